/* madvise MADV_DONTNEED zeroes private anonymous pages; WILLNEED/SEQUENTIAL are accepted. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    size_t len = 8 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 'x', len);
    OK(madvise(p, 4096, MADV_DONTNEED));
    printf("after DONTNEED: first page %d, second page %c\n", p[0], p[4096]);
    printf("WILLNEED %s, SEQUENTIAL %s, NORMAL %s\n", RESULT(madvise(p, len, MADV_WILLNEED)),
           RESULT(madvise(p, len, MADV_SEQUENTIAL)), RESULT(madvise(p, len, MADV_NORMAL)));
    errno = 0;
    printf("bad advice: %s\n", RESULT(madvise(p, len, 12345)));
    return 0;
}
