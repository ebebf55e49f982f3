/* A blocked timer signal accumulates overruns: timer_getoverrun counts the missed ones. */
#include "conf.h"

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 4);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN + 4;
    timer_t t;
    OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 2 * 1000000}, {0, 2 * 1000000}};
    OK(timer_settime(t, 0, &its, NULL));
    sleep_ms(40);
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    printf("got the timer signal: %d, SI_TIMER %d, overrun >= 5: %d\n", sig == SIGRTMIN + 4,
           si.si_code == SI_TIMER, si.si_overrun >= 5);
    OK(timer_delete(t));
    return 0;
}
