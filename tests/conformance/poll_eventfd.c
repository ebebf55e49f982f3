/* eventfd: writes add to the counter, a read returns and clears it; EFD_SEMAPHORE reads 1
 * at a time; a non-blocking read of zero is EAGAIN. */
#include "conf.h"
#include <sys/eventfd.h>

int main(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    OK(fd);
    uint64_t v = 3;
    CHECK(write(fd, &v, 8) == 8);
    v = 4;
    CHECK(write(fd, &v, 8) == 8);
    CHECK(read(fd, &v, 8) == 8);
    printf("counter read: %llu\n", (unsigned long long)v);
    errno = 0;
    printf("empty: %s\n", RESULT(read(fd, &v, 8)));
    int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    OK(sem);
    int reads = 0;
    while (read(sem, &v, 8) == 8 && v == 1)
        reads++;
    printf("semaphore reads of 1: %d\n", reads);
    errno = 0;
    printf("short write: %s\n", RESULT(write(fd, &v, 4)));
    v = ~0ULL;
    errno = 0;
    printf("write of 2^64-1: %s\n", RESULT(write(fd, &v, 8)));
    return 0;
}
