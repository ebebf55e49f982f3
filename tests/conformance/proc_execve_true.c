/* fork + execve("/bin/true") with an explicit empty environment. */
#include "conf.h"

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    printf("/bin/true: %s\n", status_str(wait_child(pid)));
    return 0;
}
