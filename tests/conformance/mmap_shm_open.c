/* POSIX shared memory: shm_open + ftruncate + mmap, seen by a child; shm_unlink. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/conf-shm-%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    OK(fd);
    OK(shm_unlink(name) == 0 ? 0 : -1);
    OK(ftruncate(fd, 4096));
    int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        p[0] = 55;
        _exit(0);
    }
    wait_child(pid);
    printf("child wrote %d\n", p[0]);
    errno = 0;
    printf("unlinked name: %s\n", RESULT(shm_open(name, O_RDWR, 0)));
    return 0;
}
