/* setsid in a child makes it a session and group leader; setpgid on another child. */
#include "conf.h"

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        pid_t sid = setsid();
        _exit(sid == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
    }
    printf("setsid child: %s\n", status_str(wait_child(pid)));
    int fds[2];
    OK(pipe(fds));
    pid = fork();
    OK(pid);
    if (pid == 0) {
        char c;
        read(fds[0], &c, 1);
        _exit(getpgrp() == getpid() ? 0 : 1);
    }
    OK(setpgid(pid, pid));
    printf("parent sees child's group: %d\n", getpgid(pid) == pid);
    CHECK(write(fds[1], "x", 1) == 1);
    printf("setpgid child: %s\n", status_str(wait_child(pid)));
    return 0;
}
