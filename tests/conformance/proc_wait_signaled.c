/* A child that kills itself with SIGKILL: WIFSIGNALED with WTERMSIG 9. */
#include "conf.h"

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        kill(getpid(), SIGKILL);
        _exit(0);
    }
    int st = wait_child(pid);
    printf("killed child: WIFSIGNALED %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
