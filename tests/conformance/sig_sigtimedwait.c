/* sigtimedwait takes a pending blocked signal; with nothing pending it times out (EAGAIN). */
#include "conf.h"

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    OK(raise(SIGUSR2));
    siginfo_t si;
    struct timespec ts = {1, 0};
    int sig = sigtimedwait(&set, &si, &ts);
    printf("got %s, si_signo matches %d, si_code SI_USER %d (glibc reports raise() as SI_USER)\n", sig == SIGUSR2 ? "SIGUSR2" : "?",
           si.si_signo == sig, si.si_code == SI_USER);
    struct timespec shortwait = {0, 20 * 1000000};
    long long t0 = mono_ms();
    sig = sigtimedwait(&set, &si, &shortwait);
    long long dt = mono_ms() - t0;
    printf("empty: %d %s, waited >= 15ms: %d\n", sig, conf_errname(errno), dt >= 15);
    return 0;
}
