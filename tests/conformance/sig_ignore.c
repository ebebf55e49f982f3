/* SIG_IGN: an ignored signal is discarded, even when it is blocked while raised. */
#include "conf.h"

int main(void)
{
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    OK(raise(SIGUSR2));
    printf("still alive after ignored SIGUSR2\n");
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    OK(raise(SIGUSR2));
    OK(sigpending(&pend));
    printf("ignored signal pending: %s\n", sigismember(&pend, SIGUSR2) ? "yes" : "no");
    return 0;
}
