/* getpid == gettid in the main thread; getpid is stable; getppid is positive; getpgrp and
 * getsid agree with getpgid(0)/getsid(0). */
#include "conf.h"

int main(void)
{
    pid_t a = getpid(), b = (pid_t)syscall(SYS_getpid);
    printf("getpid == raw getpid: %d, == gettid: %d\n", a == b, a == conf_gettid());
    printf("getppid > 0: %d\n", getppid() > 0);
    printf("getpgrp == getpgid(0): %d, getsid(0) == getsid(getpid): %d\n", getpgrp() == getpgid(0),
           getsid(0) == getsid(a));
    errno = 0;
    printf("getsid of a nonexistent pid: %s\n", RESULT(getsid(0x3fffffff)));
    return 0;
}
