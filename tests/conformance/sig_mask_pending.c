/* A blocked signal stays pending and is delivered when unblocked. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_usr1(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR1, on_usr1);
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    OK(raise(SIGUSR1));
    OK(sigpending(&pend));
    printf("pending while blocked: %s, handled: %d\n", sigismember(&pend, SIGUSR1) ? "yes" : "no",
           (int)hits);
    OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    OK(sigpending(&pend));
    printf("after unblock: pending %s, handled %d\n", sigismember(&pend, SIGUSR1) ? "yes" : "no",
           (int)hits);
    return 0;
}
