/* mremap grows a mapping (MREMAP_MAYMOVE keeps the content), shrinks it in place. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    strcpy(p, "kept across mremap");
    char *q = mremap(p, 4096, 64 * 4096, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    q[64 * 4096 - 1] = 1;
    printf("grown: %s, new tail zero-ish %d\n", q, q[8192] == 0);
    char *r = mremap(q, 64 * 4096, 4096, 0);
    printf("shrunk in place: %d, %s\n", r == q, r);
    errno = 0;
    void *bad = mremap(r, 4096, 1 << 30, 0);
    printf("grow without MAYMOVE: %s\n",
           bad == MAP_FAILED ? conf_errname(errno) : (bad == r ? "in place" : "moved?"));
    return 0;
}
