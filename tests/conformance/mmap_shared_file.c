/* MAP_SHARED of a file: stores through the mapping reach the file (msync), and write() to
 * the file shows in the mapping. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    enter_tmpdir("mmap_shared_file");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    OK(ftruncate(fd, 4096));
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    memcpy(p, "through the mapping", 19);
    OK(msync(p, 4096, MS_SYNC));
    char buf[32] = {0};
    CHECK(pread(fd, buf, 19, 0) == 19);
    printf("file reads: %s\n", buf);
    CHECK(pwrite(fd, "WRITE", 5, 100) == 5);
    printf("mapping sees write(): %.5s\n", p + 100);
    OK(munmap(p, 4096));
    close(fd);
    return 0;
}
