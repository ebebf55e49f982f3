/* rdtsc and rdtscp never go backwards within one thread. */
#include "conf.h"
#include <x86intrin.h>

int main(void)
{
    unsigned long long prev = __rdtsc();
    int back = 0;
    for (int i = 0; i < 2000; i++) {
        unsigned long long t = __rdtsc();
        back += t < prev;
        prev = t;
    }
    unsigned aux;
    unsigned long long a = __rdtscp(&aux), b = __rdtscp(&aux);
    printf("rdtsc went back %d times, rdtscp ordered %d\n", back, b >= a);
    return 0;
}
