/* Reads the clocks many times and prints what it saw. Natively (and under a monitor that let
 * the vDSO answer) every variant would see its own clock; under mvx all variants see the
 * leader's values, so their writes agree. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
    long long sum = 0;
    for (int i = 0; i < 200; i++) {
        struct timespec mono, real;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_REALTIME, &real);
        sum += mono.tv_nsec ^ real.tv_nsec;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("time=%ld usec=%ld mix=%lld\n", (long)time(NULL), (long)tv.tv_usec, sum);
    return 0;
}
