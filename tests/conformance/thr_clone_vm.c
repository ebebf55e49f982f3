/* clone(CLONE_VM) with an own stack: the child writes into the shared memory, the parent
 * waits for it with waitpid. */
#include "conf.h"
#include <sched.h>

static volatile int shared;

static int child_fn(void *arg)
{
    shared = (int)(long)arg;
    return 5;
}

int main(void)
{
    size_t size = 256 * 1024;
    char *stack = malloc(size);
    CHECK(stack);
    pid_t pid = clone(child_fn, stack + size, CLONE_VM | SIGCHLD, (void *)77L);
    OK(pid);
    int st = wait_child(pid);
    printf("child %s, shared %d\n", status_str(st), shared);
    free(stack);
    return 0;
}
