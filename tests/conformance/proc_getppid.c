/* The child's getppid() is the parent's getpid(); both agree through a pipe. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t me = getpid();
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        pid_t ids[2] = {getppid(), getpid()};
        if (write(fds[1], ids, sizeof ids) != sizeof ids)
            _exit(1);
        _exit(0);
    }
    pid_t ids[2];
    CHECK(read(fds[0], ids, sizeof ids) == sizeof ids);
    wait_child(pid);
    printf("child's getppid is parent's getpid: %d\n", ids[0] == me);
    printf("child's getpid is fork's result: %d\n", ids[1] == pid);
    return 0;
}
