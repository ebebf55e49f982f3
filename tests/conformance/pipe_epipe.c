/* Writing to a pipe without readers: EPIPE when SIGPIPE is ignored, death by SIGPIPE
 * otherwise (in a child). */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    close(fds[0]);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(fds[1], "x", 1);
        _exit(0);
    }
    printf("default disposition: child %s\n", status_str(wait_child(pid)));
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    printf("ignored: %s\n", RESULT(write(fds[1], "x", 1)));
    return 0;
}
