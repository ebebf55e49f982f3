/* Probes the CPU with cpuid, as glibc's loader and libraries with CPU dispatch do, then writes
 * what it found. Built twice: cpuid-probe-b probes more leaves than cpuid-probe-a, as a
 * diversified build with other dispatch code would; both write the same text. */
#include <cpuid.h>
#include <stdio.h>

#ifndef EXTRA_PROBES
#define EXTRA_PROBES 0
#endif

int main(void)
{
    unsigned a, b, c, d, max;
    __cpuid(0, max, b, c, d);
    unsigned sum = 0;
    for (int i = 0; i < EXTRA_PROBES; i++) {
        __cpuid_count(7, 0, a, b, c, d);
        sum += b & 1;
    }
    __cpuid(1, a, b, c, d);
    printf("max leaf >= 1: %d, sse2: %d\n", max >= 1, (d >> 26) & 1);
    return sum > 1000;
}
