/* child-diverge: built twice, with and without -DVARIANT_B. The parent writes its pid to
 * stderr and forks; the child writes its own pid to stderr (equal in both builds), then
 * "child says A" or "child says B" to stdout: the two builds part in the child process.
 * The parent waits for the child and writes "parent done". */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef VARIANT_B
#define CHILD_LINE "child says B\n"
#else
#define CHILD_LINE "child says A\n"
#endif

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

int main(void)
{
	char buf[64];
	snprintf(buf, sizeof buf, "parent pid %d\n", (int)getpid());
	say(STDERR_FILENO, buf);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		snprintf(buf, sizeof buf, "child pid %d\n", (int)getpid());
		say(STDERR_FILENO, buf);
		say(STDOUT_FILENO, CHILD_LINE);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	say(STDOUT_FILENO, "parent done\n");
	return 0;
}
