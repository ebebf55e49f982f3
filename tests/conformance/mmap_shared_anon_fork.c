/* MAP_SHARED|MAP_ANONYMOUS memory is shared with a forked child. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        p[0] += 41;
        p[1] = 7;
        _exit(0);
    }
    wait_child(pid);
    printf("parent sees child's writes: %d %d\n", p[0], p[1]);
    return 0;
}
