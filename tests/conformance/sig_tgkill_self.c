/* tgkill(getpid(), gettid()) signals the calling thread. */
#include "conf.h"

static volatile int hits, code;
static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    hits++;
    code = si->si_code;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(syscall(SYS_tgkill, getpid(), conf_gettid(), SIGUSR1));
    OK(syscall(SYS_tkill, conf_gettid(), SIGUSR1));
    printf("hits %d, SI_TKILL %d\n", hits, code == SI_TKILL);
    return 0;
}
