/* forker: calls fork(). On failure prints "fork failed: <strerror>" and exits 3;
 * on success the child exits 0 and the parent waits for it and exits 0.
 * Under an mvx without fork support, fork must fail with ENOSYS (no hang). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 3;
	}
	if (pid == 0)
		_exit(0);
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		printf("waitpid failed: %s\n", strerror(errno));
		return 4;
	}
	printf("child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
