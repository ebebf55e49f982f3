/* timer_create(SIGEV_SIGNAL): a periodic POSIX timer delivers SIGRTMIN with its sival;
 * timer_gettime, timer_delete. */
#include "conf.h"

static volatile int hits, value;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    hits++;
    value = si->si_value.sival_int;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGRTMIN, &sa, NULL));
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = 1234;
    timer_t t;
    OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 5 * 1000000}, {0, 5 * 1000000}}, cur;
    OK(timer_settime(t, 0, &its, NULL));
    OK(timer_gettime(t, &cur));
    printf("armed, interval kept: %d\n", cur.it_interval.tv_nsec == 5 * 1000000);
    long long t0 = mono_ms();
    while (hits < 3 && mono_ms() - t0 < 5000)
        pause();
    OK(timer_delete(t));
    printf("signals >= 3: %d, sival %d\n", hits >= 3, value);
    printf("overrun after delete: %s\n", timer_getoverrun(t) == -1 ? conf_errname(errno) : "?");
    return 0;
}
