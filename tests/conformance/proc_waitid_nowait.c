/* waitid with WNOWAIT leaves the child waitable; WNOHANG returns at once while it runs. */
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
        _exit(read(fds[0], &c, 1) == 1 ? 6 : 1);
    }
    close(fds[0]);
    siginfo_t si = {0};
    OK(waitid(P_PID, pid, &si, WEXITED | WNOHANG));
    printf("WNOHANG while running: si_pid zero %d\n", si.si_pid == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    printf("WNOWAIT: status %d\n", si.si_status);
    memset(&si, 0, sizeof si);
    OK(waitid(P_PID, pid, &si, WEXITED));
    printf("again: status %d\n", si.si_status);
    return 0;
}
