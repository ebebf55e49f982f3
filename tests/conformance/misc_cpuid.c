/* cpuid leaf 0 gives a printable 12-character vendor string and a maximum leaf >= 1. */
#include "conf.h"
#include <cpuid.h>

int main(void)
{
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    int printable = 1;
    for (int i = 0; i < 12; i++)
        printable &= vendor[i] >= 32 && vendor[i] < 127;
    printf("max leaf >= 1: %d, vendor printable: %d\n", a >= 1, printable);
    __cpuid(1, a, b, c, d);
    printf("family nonzero: %d\n", ((a >> 8) & 0xf) != 0);
    return 0;
}
