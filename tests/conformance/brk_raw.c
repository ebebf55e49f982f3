/* The raw brk syscall: brk(0) returns the break, brk(higher) moves it, brk(old) moves it
 * back. (Nothing is printed until the end: stdio's buffer comes from malloc.) */
#include "conf.h"

int main(void)
{
    long cur = syscall(SYS_brk, 0);
    long want = cur + 64 * 1024;
    long now = syscall(SYS_brk, want);
    int usable = 0;
    if (now == want) {
        memset((void *)cur, 1, 64 * 1024);
        usable = ((char *)cur)[64 * 1024 - 1] == 1;
    }
    long back = syscall(SYS_brk, cur);
    printf("brk(0) nonzero: %d\n", cur != 0);
    printf("brk moved to the requested end: %d, memory usable: %d\n", now == want, usable);
    printf("brk back: %d\n", back == cur);
    return 0;
}
