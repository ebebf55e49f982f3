/* rdtsc: reads the time-stamp counter with rdtsc and rdtscp and prints both and their
 * difference (3 lines). Natively the values change on every run; under mvx the instructions
 * trap and every variant gets the same emulated values, so the writes agree. */
#include <stdio.h>
#include <x86intrin.h>

int main(void)
{
	unsigned long long first = __rdtsc();
	unsigned int aux = 0;
	unsigned long long second = __rdtscp(&aux);
	printf("rdtsc %llu\n", first);
	printf("rdtscp %llu\n", second);
	printf("diff %lld\n", (long long)(second - first));
	return 0;
}
