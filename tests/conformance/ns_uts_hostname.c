/* sethostname in a UTS namespace of the program's own: every variant unshares and sets its
 * own host name (the system's is never touched); without the privilege to unshare, EPERM. */
#include "conf.h"
#include <sched.h>
#include <sys/utsname.h>

int main(void)
{
    if (unshare(CLONE_NEWUTS) == -1) {
        printf("unshare(CLONE_NEWUTS): %s\n", conf_errname(errno));
        /* Outside an own namespace an ordinary user gets EPERM, and so does mvx's leader. */
        printf("sethostname: %s\n",
               sethostname("mvx-conf", 8) == -1 ? conf_errname(errno) : "succeeded");
        return 0;
    }
    CHECK(sethostname("mvx-conf", 8) == 0);
    CHECK(setdomainname("mvx-domain", 10) == 0);
    struct utsname u;
    CHECK(uname(&u) == 0);
    printf("nodename: %s, domainname: %s\n", u.nodename, u.domainname);
    return 0;
}
