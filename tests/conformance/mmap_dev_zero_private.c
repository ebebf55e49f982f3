/* A private mapping of /dev/zero opened read-only is zeroed, writable memory. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    OK(fd);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    printf("zero: %d\n", p[5000]);
    p[5000] = 9;
    printf("written: %d\n", p[5000]);
    return 0;
}
