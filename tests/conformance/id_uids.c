/* getuid/geteuid/getgid/getegid/getresuid/getresgid agree; getgroups counts itself;
 * setuid to our own uid succeeds. */
#include "conf.h"
#include <grp.h>

int main(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    OK(getresuid(&r, &e, &s));
    OK(getresgid(&gr, &ge, &gs));
    printf("uid consistent: %d, gid consistent: %d\n", r == getuid() && e == geteuid() && s == e,
           gr == getgid() && ge == getegid() && gs == ge);
    int n = getgroups(0, NULL);
    gid_t groups[256];
    printf("getgroups count stable: %d\n", n >= 0 && getgroups(256, groups) == n);
    printf("setuid(getuid()): %s\n", RESULT(setuid(getuid())));
    printf("setgid(getgid()): %s\n", RESULT(setgid(getgid())));
    return 0;
}
