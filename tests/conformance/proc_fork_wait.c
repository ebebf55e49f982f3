/* fork + waitpid: the child's exit status reaches the parent; fork returns 0 in the child. */
#include "conf.h"

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(5);
    int st = wait_child(pid);
    printf("child %s, WIFEXITED %d\n", status_str(st), WIFEXITED(st));
    return 0;
}
