/* SA_SIGINFO handler of kill() to self: SI_USER, si_pid and si_uid are ours. */
#include "conf.h"

static volatile int code = -1, pid_ok, uid_ok, signo;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    signo = sig == si->si_signo;
    code = si->si_code;
    pid_ok = si->si_pid == getpid();
    uid_ok = si->si_uid == getuid();
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(kill(getpid(), SIGUSR1));
    printf("signo %d SI_USER %d pid %d uid %d\n", signo, code == SI_USER, pid_ok, uid_ok);
    return 0;
}
