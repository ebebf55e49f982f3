/* sigprocmask SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK and the old mask; SIGKILL cannot be blocked. */
#include "conf.h"

int main(void)
{
    sigset_t a, old, cur;
    sigemptyset(&a);
    OK(sigprocmask(SIG_SETMASK, &a, NULL));
    sigaddset(&a, SIGUSR1);
    sigaddset(&a, SIGKILL);
    sigaddset(&a, SIGRTMIN + 3);
    OK(sigprocmask(SIG_BLOCK, &a, &old));
    printf("old mask empty: %s\n", sigisemptyset(&old) ? "yes" : "no");
    OK(sigprocmask(SIG_SETMASK, NULL, &cur));
    printf("USR1 blocked: %d, RTMIN+3 blocked: %d, KILL blocked: %d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGRTMIN + 3), sigismember(&cur, SIGKILL));
    sigemptyset(&a);
    sigaddset(&a, SIGUSR1);
    OK(sigprocmask(SIG_UNBLOCK, &a, NULL));
    OK(sigprocmask(SIG_SETMASK, NULL, &cur));
    printf("after unblock USR1: %d, RTMIN+3: %d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGRTMIN + 3));
    errno = 0;
    CHECK(sigprocmask(99, &a, NULL) == -1);
    printf("bad how: %s\n", conf_errname(errno));
    return 0;
}
