/* libc's internal calls on the fast path, for tests/libc_fastpath.rs: `stdio N` prints N
 * lines through stdio, each flushed (stdio writes through libc's internal write, not the
 * exported symbol), makes N raw syscall(SYS_getpid) calls, then prints a summary line.
 * Built with -DDIFFER, line N/2 says something else: a divergence in an internal write. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	long pids = 0;
	for (long i = 0; i < n; i++) {
#ifdef DIFFER
		if (i == n / 2) {
			printf("line %ld differs\n", i);
			fflush(stdout);
			continue;
		}
#endif
		printf("line %ld\n", i);
		if (fflush(stdout) != 0)
			return 1;
	}
	for (long i = 0; i < n; i++)
		pids += syscall(SYS_getpid) == getpid();
	printf("getpid agreed %ld of %ld\n", pids, n);
	return 0;
}
