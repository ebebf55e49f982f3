/* memfd_create as a file: write, read back, size, and sealing (F_ADD_SEALS). */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    int fd = memfd_create("conf", MFD_ALLOW_SEALING);
    OK(fd);
    CHECK(write(fd, "memfd data", 10) == 10);
    struct stat st;
    OK(fstat(fd, &st));
    char buf[16] = {0};
    CHECK(pread(fd, buf, 10, 0) == 10);
    printf("size %ld, content %s\n", (long)st.st_size, buf);
    OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    printf("seals: %d\n", fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW));
    errno = 0;
    printf("grow when sealed: %s\n", RESULT(ftruncate(fd, 100)));
    errno = 0;
    printf("write past end when sealed: %s\n", RESULT(pwrite(fd, "x", 1, 10)));
    return 0;
}
