/* sigqueue to self carries a value; sigwaitinfo sees SI_QUEUE and the value. */
#include "conf.h"

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    union sigval v = {.sival_int = 42};
    OK(sigqueue(getpid(), SIGRTMIN, v));
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    printf("sig is RTMIN: %d, code SI_QUEUE: %d, value %d, si_pid is me: %d, si_uid is me: %d\n",
           sig == SIGRTMIN, si.si_code == SI_QUEUE, si.si_value.sival_int, si.si_pid == getpid(),
           si.si_uid == getuid());
    return 0;
}
