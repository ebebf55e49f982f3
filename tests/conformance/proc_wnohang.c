/* waitpid(WNOHANG) returns 0 while the child runs, then its pid once it exited. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1);
        _exit(2);
    }
    close(fds[0]);
    int st;
    printf("running: %d\n", (int)waitpid(pid, &st, WNOHANG));
    close(fds[1]);
    pid_t r;
    while ((r = waitpid(pid, &st, WNOHANG)) == 0)
        sleep_ms(1);
    printf("exited: pid matches %d, %s\n", r == pid, status_str(st));
    return 0;
}
