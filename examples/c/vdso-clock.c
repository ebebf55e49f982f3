/* vdso-clock: calls clock_gettime(CLOCK_MONOTONIC) and gettimeofday() 1000 times through
 * glibc (which natively answers them from the vDSO, without a system call) and prints the
 * last values and whether the monotonic clock ever went backwards. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
	struct timespec mono = {0, 0}, prev = {0, 0};
	struct timeval tv = {0, 0};
	int backwards = 0;
	for (int i = 0; i < 1000; i++) {
		if (clock_gettime(CLOCK_MONOTONIC, &mono) != 0 || gettimeofday(&tv, NULL) != 0) {
			perror("clock");
			return 1;
		}
		if (mono.tv_sec < prev.tv_sec ||
		    (mono.tv_sec == prev.tv_sec && mono.tv_nsec < prev.tv_nsec))
			backwards++;
		prev = mono;
	}
	printf("monotonic %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
	printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	printf("backwards %d\n", backwards);
	return 0;
}
