/* O_ASYNC + F_SETOWN + F_SETSIG: data arriving on a pipe raises the chosen signal. */
#include "conf.h"

static volatile int hits, band_in;
static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    hits++;
    band_in = (si->si_band & POLL_IN) != 0 || si->si_code == POLL_IN;
}

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGRTMIN + 1, &sa, NULL));
    OK(fcntl(fds[0], F_SETOWN, getpid()));
    OK(fcntl(fds[0], F_SETSIG, SIGRTMIN + 1));
    OK(fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK));
    printf("owner is me: %d\n", fcntl(fds[0], F_GETOWN) == getpid());
    CHECK(write(fds[1], "hi", 2) == 2);
    long long t0 = mono_ms();
    while (!hits && mono_ms() - t0 < 2000)
        sleep_ms(1);
    printf("signal on data: %d, POLL_IN %d\n", hits > 0, band_in);
    return 0;
}
