/* MAP_FIXED replaces part of an existing mapping; MAP_FIXED_NOREPLACE refuses (EEXIST). */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 'a', 3 * 4096);
    char *q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    printf("MAP_FIXED at the address: %d, middle zeroed %d, sides kept %c%c\n", q == p + 4096,
           p[4096] == 0, p[0], p[8192]);
    errno = 0;
    void *r = mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("FIXED_NOREPLACE over it: %s\n", r == MAP_FAILED ? conf_errname(errno) : "mapped?");
    return 0;
}
