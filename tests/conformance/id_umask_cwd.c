/* umask returns the previous value; the process keeps it across fork. */
#include "conf.h"

int main(void)
{
    umask(022);
    printf("set 077, previous %03o\n", umask(077));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(umask(0) == 077 ? 0 : 1);
    printf("child inherited: %s\n", status_str(wait_child(pid)));
    printf("current %03o\n", umask(0));
    return 0;
}
