/* After fork, memory is copy-on-write: the child's writes do not reach the parent. */
#include "conf.h"

static int global = 1;

int main(void)
{
    int *heap = malloc(4096 * sizeof(int));
    CHECK(heap);
    for (int i = 0; i < 4096; i++)
        heap[i] = i;
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        global = 2;
        for (int i = 0; i < 4096; i++)
            heap[i] = -1;
        _exit(global + heap[10] == 1 ? 0 : 1);
    }
    int st = wait_child(pid);
    long sum = 0;
    for (int i = 0; i < 4096; i++)
        sum += heap[i];
    printf("child %s, parent global %d, heap sum %ld\n", status_str(st), global, sum);
    return 0;
}
