/* waitid(P_PID, WEXITED): siginfo carries CLD_EXITED, the status and the child's pid. */
#include "conf.h"

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(12);
    siginfo_t si = {0};
    OK(waitid(P_PID, pid, &si, WEXITED));
    printf("si_signo SIGCHLD %d, CLD_EXITED %d, status %d, pid matches %d\n",
           si.si_signo == SIGCHLD, si.si_code == CLD_EXITED, si.si_status, si.si_pid == pid);
    errno = 0;
    int r = waitid(P_ALL, 0, &si, WEXITED);
    printf("no more children: %d %s\n", r, conf_errname(errno));
    return 0;
}
