/* PR_SET_PDEATHSIG: a grandchild gets SIGUSR1 when its parent (our child) dies. */
#include "conf.h"
#include <sys/prctl.h>

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
            int sig = 0;
            prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
            char c = sig == SIGUSR1;
            write(fds[1], &c, 1);
            for (;;)
                pause();
        }
        char c;
        read(fds[0], &c, 1);
        write(fds[1], &c, 1);
        _exit(0);
    }
    char c = 0;
    wait_child(pid);
    CHECK(read(fds[0], &c, 1) == 1);
    int st;
    pid_t r = wait(&st);
    CHECK(r > 0);
    printf("PR_GET_PDEATHSIG: %d, grandchild: %s\n", c, status_str(st));
    return 0;
}
