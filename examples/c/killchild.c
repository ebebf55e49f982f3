/* killchild: forks a child that waits in pause(); the parent sleeps 50 ms, sends SIGTERM to
 * the pid fork() returned, reaps the child and prints how it died. Under mvx the program sees
 * the leader's pids, so kill() and waitpid() must be mapped to each variant's own child. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	pid_t child = fork();
	if (child < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		for (;;)
			pause();
	}
	struct timespec delay = {0, 50 * 1000000};
	nanosleep(&delay, NULL);
	if (kill(child, SIGTERM) != 0) {
		printf("kill failed: %s\n", strerror(errno));
		return 1;
	}
	int status;
	pid_t got;
	while ((got = waitpid(child, &status, 0)) < 0 && errno == EINTR)
		;
	if (got != child) {
		printf("waitpid returned %d, expected %d: %s\n", (int)got, (int)child,
		       strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status))
		printf("child killed by signal %d\n", WTERMSIG(status));
	else
		printf("child exited with %d\n", WEXITSTATUS(status));
	return 0;
}
