/* mincore reports touched anonymous pages resident; unaligned start is EINVAL. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    p[2 * 4096] = 1;
    unsigned char vec[4];
    OK(mincore(p, 4 * 4096, vec));
    printf("touched pages resident: %d %d\n", vec[0] & 1, vec[2] & 1);
    errno = 0;
    printf("unaligned: %s\n", RESULT(mincore(p + 1, 4096, vec)));
    OK(munmap(p, 4 * 4096));
    errno = 0;
    printf("unmapped: %s\n", RESULT(mincore(p, 4096, vec)));
    return 0;
}
