/* Real-time signals queue: three sigqueue values of one signal arrive in order; lower
 * real-time signals are delivered first. */
#include "conf.h"

static int seen[8];
static volatile int nseen;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (nseen < 8)
        seen[nseen++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGRTMIN, &sa, NULL));
    OK(sigaction(SIGRTMIN + 1, &sa, NULL));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    for (int i = 1; i <= 3; i++) {
        OK(sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = i}));
        OK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = i}));
    }
    OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    printf("delivered %d:", nseen);
    for (int i = 0; i < nseen; i++)
        printf(" %d", seen[i]);
    printf("\n");
    return 0;
}
