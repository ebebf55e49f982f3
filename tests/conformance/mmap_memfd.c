/* memfd_create + ftruncate + MAP_SHARED: two mappings of one memfd see each other's stores. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    int fd = memfd_create("conf", MFD_CLOEXEC);
    OK(fd);
    OK(ftruncate(fd, 4096));
    char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(b != MAP_FAILED);
    strcpy(a, "shared through memfd");
    printf("second mapping: %s\n", b);
    char buf[32] = {0};
    CHECK(pread(fd, buf, 20, 0) == 20);
    printf("read(): %s\n", buf);
    return 0;
}
