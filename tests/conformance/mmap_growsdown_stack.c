/* Deep recursion grows the main stack by many pages. */
#include "conf.h"

static long depth(int n, volatile char *prev)
{
    volatile char frame[1024];
    frame[0] = (char)n;
    if (n == 0)
        return prev ? 1 : 0;
    return depth(n - 1, frame) + frame[0] - (char)n + 1;
}

int main(void)
{
    printf("recursion with 4 MiB of frames: %ld\n", depth(4000, NULL));
    return 0;
}
