/* A private mapping of a read-only file shows its content; writes to the mapping are
 * copy-on-write and never reach the file. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    enter_tmpdir("mmap_private_file");
    char data[8192];
    for (int i = 0; i < 8192; i++)
        data[i] = 'A' + i % 26;
    write_file("f", data, sizeof data);
    int fd = open("f", O_RDONLY);
    OK(fd);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    printf("content matches: %d\n", memcmp(p, data, 8192) == 0);
    p[0] = 'z';
    char first;
    CHECK(pread(fd, &first, 1, 0) == 1);
    printf("file unchanged by private write: %c\n", first);
    char *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK(q != MAP_FAILED);
    printf("offset mapping: %d\n", q[0] == data[4096]);
    OK(munmap(p, 8192));
    OK(munmap(q, 4096));
    close(fd);
    return 0;
}
