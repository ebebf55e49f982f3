/* uname: sysname Linux, machine x86_64, nodename equals gethostname; the release parses. */
#include "conf.h"
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    OK(uname(&u));
    char host[256];
    OK(gethostname(host, sizeof host));
    int major = 0, minor = 0;
    printf("sysname %s, machine %s\n", u.sysname, u.machine);
    printf("nodename is hostname: %d\n", strcmp(u.nodename, host) == 0);
    printf("release parses: %d\n", sscanf(u.release, "%d.%d", &major, &minor) == 2 && major >= 3);
    return 0;
}
