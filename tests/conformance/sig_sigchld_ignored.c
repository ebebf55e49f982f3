/* SIGCHLD set to SIG_IGN: children are reaped by the kernel, wait() fails with ECHILD. */
#include "conf.h"

int main(void)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(0);
    int status;
    pid_t r = wait(&status);
    printf("wait: %s\n", RESULT((int)r));
    return 0;
}
