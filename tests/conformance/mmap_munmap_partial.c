/* munmap of the middle of a mapping splits it; /proc/self/maps keeps both halves. */
#include "conf.h"
#include <sys/mman.h>

static int mapped(void *addr)
{
    unsigned char v;
    return mincore(addr, 4096, &v) == 0;
}

int main(void)
{
    char *p = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    OK(munmap(p + 2 * 4096, 4096));
    printf("pages mapped: %d %d %d %d %d\n", mapped(p), mapped(p + 4096), mapped(p + 8192),
           mapped(p + 3 * 4096), mapped(p + 4 * 4096));
    OK(munmap(p, 5 * 4096));
    printf("after full munmap: %d\n", mapped(p));
    printf("munmap of unmapped range: %s\n", RESULT(munmap(p, 4096)));
    return 0;
}
