/* SA_RESETHAND: the disposition goes back to SIG_DFL at the first delivery. SA_NODEFER: the
 * signal is not blocked inside its handler. */
#include "conf.h"

static volatile int hits, blocked_inside = -1;

static void handler(int sig)
{
    hits++;
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    blocked_inside = sigismember(&cur, sig);
}

int main(void)
{
    struct sigaction sa = {0}, old;
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESETHAND;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(raise(SIGUSR1));
    OK(sigaction(SIGUSR1, NULL, &old));
    printf("resethand: hits %d, now SIG_DFL %d, blocked inside %d\n", hits, old.sa_handler == SIG_DFL,
           blocked_inside);
    sa.sa_flags = SA_NODEFER;
    OK(sigaction(SIGUSR2, &sa, NULL));
    OK(raise(SIGUSR2));
    printf("nodefer: hits %d, blocked inside %d\n", hits, blocked_inside);
    sa.sa_flags = 0;
    OK(sigaction(SIGUSR2, &sa, NULL));
    OK(raise(SIGUSR2));
    printf("default: hits %d, blocked inside %d\n", hits, blocked_inside);
    return 0;
}
