/* sbrk grows the heap by two pages that are writable, and shrinks it back. (Nothing is
 * printed until the end: stdio's buffer comes from malloc, which may move the break.) */
#include "conf.h"

int main(void)
{
    char *start = sbrk(0);
    char *old = sbrk(8192);
    int e = errno;
    if (old == (void *)-1) {
        printf("sbrk(8192): %s\n", conf_errname(e));
        return 1;
    }
    memset(old, 'h', 8192);
    int moved = (char *)sbrk(0) - start == 8192;
    char last = old[8191];
    int shrunk = sbrk(-8192) != (void *)-1 && sbrk(0) == start;
    printf("sbrk returned the old break: %d\n", old == start);
    printf("new memory writable: %c\n", last);
    printf("break moved by 8192: %d\n", moved);
    printf("shrunk back: %d\n", shrunk);
    return 0;
}
