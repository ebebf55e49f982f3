/* A child that stops itself (SIGSTOP) is seen with WUNTRACED, continued with SIGCONT and
 * seen with WCONTINUED, then told to exit. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    int st;
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char c;
        close(fds[1]);
        raise(SIGSTOP);
        read(fds[0], &c, 1); /* exit only once the parent saw the continue */
        _exit(4);
    }
    close(fds[0]);
    /* bounded, so that a child that never stops does not hang the program */
    pid_t r = 0;
    for (int i = 0; i < 2000 && r == 0; i++) {
        r = waitpid(pid, &st, WUNTRACED | WNOHANG);
        if (r == 0)
            sleep_ms(1);
    }
    if (r != pid) {
        printf("child did not stop within 2 s\n");
        close(fds[1]);
        printf("then %s\n", status_str(wait_child(pid)));
        return 1;
    }
    printf("stopped: WIFSTOPPED %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    OK(kill(pid, SIGCONT));
    CHECK(waitpid(pid, &st, WCONTINUED) == pid);
    printf("continued: WIFCONTINUED %d\n", WIFCONTINUED(st));
    close(fds[1]);
    printf("then %s\n", status_str(wait_child(pid)));
    return 0;
}
