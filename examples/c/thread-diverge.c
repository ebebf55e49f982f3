/* thread-diverge: built twice, with and without -DVARIANT_B. main writes its pid to stderr
 * and starts one pthread; the thread writes its tid to stderr (equal in both builds), then
 * "thread says A" or "thread says B" to stdout: the two builds part in the secondary thread.
 * main joins the thread and writes "main done". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef VARIANT_B
#define THREAD_LINE "thread says B\n"
#else
#define THREAD_LINE "thread says A\n"
#endif

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

static void *worker(void *arg)
{
	(void)arg;
	char buf[64];
	snprintf(buf, sizeof buf, "thread tid %ld\n", (long)syscall(SYS_gettid));
	say(STDERR_FILENO, buf);
	say(STDOUT_FILENO, THREAD_LINE);
	return NULL;
}

int main(void)
{
	char buf[64];
	snprintf(buf, sizeof buf, "process pid %d\n", (int)getpid());
	say(STDERR_FILENO, buf);
	pthread_t thread;
	if (pthread_create(&thread, NULL, worker, NULL) != 0) {
		say(STDERR_FILENO, "pthread_create failed\n");
		return 1;
	}
	pthread_join(thread, NULL);
	say(STDOUT_FILENO, "main done\n");
	return 0;
}
