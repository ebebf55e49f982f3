/* vfork: the parent is suspended until the child _exits; the child's status is seen. */
#include "conf.h"

int main(void)
{
    volatile int order = 0;
    pid_t pid = vfork();
    OK(pid);
    if (pid == 0) {
        order = 1; /* runs before the parent resumes */
        _exit(3);
    }
    int st = wait_child(pid);
    printf("child ran first: %d, %s\n", order, status_str(st));
    return 0;
}
