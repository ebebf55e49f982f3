/* A child that stops itself (SIGSTOP) is seen with WUNTRACED, continued with SIGCONT and
 * seen with WCONTINUED, then exits. */
#include "conf.h"

int main(void)
{
    int st;
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(4);
    }
    CHECK(waitpid(pid, &st, WUNTRACED) == pid);
    printf("stopped: WIFSTOPPED %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    OK(kill(pid, SIGCONT));
    CHECK(waitpid(pid, &st, WCONTINUED) == pid);
    printf("continued: WIFCONTINUED %d\n", WIFCONTINUED(st));
    printf("then %s\n", status_str(wait_child(pid)));
    return 0;
}
