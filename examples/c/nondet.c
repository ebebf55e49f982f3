/* An unannotated program with libc's nondeterminism: rand seeded from time, clock_gettime and
 * time. Under mvx --preload every variant gets the leader's values. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
    srand((unsigned)time(NULL));
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("rand %d %d %d\n", rand(), rand(), rand());
    printf("monotonic %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    printf("time %ld\n", (long)time(NULL));
    return 0;
}
