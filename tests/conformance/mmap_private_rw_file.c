/* A private mapping of a file opened read-write: reads see the file, writes stay private. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    enter_tmpdir("mmap_private_rw_file");
    write_file("f", "original content", 16);
    int fd = open("f", O_RDWR);
    OK(fd);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", conf_errname(errno));
        return 1;
    }
    printf("mapped: %.16s\n", p);
    memcpy(p, "CHANGED", 7);
    char buf[32];
    read_file("f", buf, sizeof buf);
    printf("file still: %s\n", buf);
    return 0;
}
