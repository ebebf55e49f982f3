/* pidfd_open on a child; poll says readable once it exits; pidfd_send_signal kills
 * another child. */
#include "conf.h"
#include <poll.h>

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        sleep_ms(10);
        _exit(4);
    }
    long pfd = syscall(SYS_pidfd_open, pid, 0);
    printf("pidfd_open: %s\n", pfd >= 0 ? "ok" : conf_errname(errno));
    if (pfd >= 0) {
        struct pollfd p = {(int)pfd, POLLIN, 0};
        int r = poll(&p, 1, 5000);
        printf("poll on exit: %d\n", r);
    }
    printf("child %s\n", status_str(wait_child(pid)));
    pid = fork();
    OK(pid);
    if (pid == 0) {
        for (;;)
            pause();
    }
    pfd = syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0)
        printf("pidfd_send_signal: %s\n", RESULT(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0)));
    else
        kill(pid, SIGTERM);
    printf("second child %s\n", status_str(wait_child(pid)));
    return 0;
}
