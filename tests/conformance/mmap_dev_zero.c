/* A MAP_SHARED mapping of /dev/zero is shared anonymous memory across fork. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    int fd = open("/dev/zero", O_RDWR);
    OK(fd);
    int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    close(fd);
    printf("zero: %d\n", p[10]);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        p[10] = 1234;
        _exit(0);
    }
    wait_child(pid);
    printf("after child: %d\n", p[10]);
    return 0;
}
