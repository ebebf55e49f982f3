/* SIGCHLD is sent when a child exits; SA_SIGINFO gives CLD_EXITED and the status. */
#include "conf.h"

static volatile int got, code, status;

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    got++;
    code = si->si_code;
    status = si->si_status;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    OK(sigaction(SIGCHLD, &sa, NULL));
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigemptyset(&empty);
    OK(sigprocmask(SIG_BLOCK, &block, NULL));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(3);
    while (!got)
        sigsuspend(&empty);
    printf("SIGCHLD: CLD_EXITED %d, si_status %d\n", code == CLD_EXITED, status);
    printf("wait: %s\n", status_str(wait_child(pid)));
    return 0;
}
