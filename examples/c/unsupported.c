/* unsupported: calls a system call number no kernel has (1000). The kernel answers
 * ENOSYS; under mvx every variant must get ENOSYS too (plus a warning on stderr) and
 * the program must go on running. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	errno = 0;
	long ret = syscall(1000);
	int err = errno;
	printf("ret=%ld errno=%d\n", ret, err);
	printf("still running\n");
	return 0;
}
