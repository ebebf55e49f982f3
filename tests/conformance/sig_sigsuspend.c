/* sigsuspend waits for a signal sent by a child; the old mask is restored after it. */
#include "conf.h"

static volatile sig_atomic_t got;
static void on_usr1(int sig) { (void)sig; got = 1; }

int main(void)
{
    signal(SIGUSR1, on_usr1);
    sigset_t block, old, wait_mask, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &block, &old));
    pid_t parent = getpid();
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigemptyset(&wait_mask);
    int r = sigsuspend(&wait_mask);
    printf("sigsuspend returned %d %s, handler ran %d\n", r, conf_errname(errno), (int)got);
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    printf("USR1 blocked again: %d\n", sigismember(&now, SIGUSR1));
    printf("child %s\n", status_str(wait_child(pid)));
    return 0;
}
