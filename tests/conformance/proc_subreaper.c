/* PR_SET_CHILD_SUBREAPER: an orphaned grandchild is reparented to us and we reap it. */
#include "conf.h"
#include <sys/prctl.h>

int main(void)
{
    OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int is = 0;
    OK(prctl(PR_GET_CHILD_SUBREAPER, &is, 0, 0, 0));
    printf("subreaper: %d\n", is);
    int fds[2];
    OK(pipe(fds));
    pid_t me = getpid();
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            while (getppid() != me)
                sleep_ms(1);
            char ok = 1;
            write(fds[1], &ok, 1);
            _exit(8);
        }
        _exit(0);
    }
    printf("middle child: %s\n", status_str(wait_child(pid)));
    char c = 0;
    CHECK(read(fds[0], &c, 1) == 1);
    int st;
    pid_t r = wait(&st);
    CHECK(r > 0);
    printf("grandchild saw us as parent: %d, reaped: %s\n", c, status_str(st));
    return 0;
}
