/* malloc/free/realloc of small and large blocks (brk heap or mmap, whichever works). */
#include "conf.h"

int main(void)
{
    void *small[1000];
    for (int i = 0; i < 1000; i++) {
        small[i] = malloc(16 + i);
        CHECK(small[i]);
        memset(small[i], i & 0xff, 16 + i);
    }
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        ok &= ((unsigned char *)small[i])[15 + i] == (i & 0xff);
        free(small[i]);
    }
    char *big = malloc(8 << 20);
    CHECK(big);
    memset(big, 7, 8 << 20);
    big = realloc(big, 16 << 20);
    CHECK(big);
    ok &= big[(8 << 20) - 1] == 7;
    free(big);
    char *c = calloc(1000, 1000);
    CHECK(c);
    ok &= c[999999] == 0;
    free(c);
    printf("allocations consistent: %d\n", ok);
    return 0;
}
