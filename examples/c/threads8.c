/* threads8: 8 pthreads, each doing its own system calls at the same time.
 * Thread i creates <dir>/t<i>.txt (dir = argv[1]) and writes 20 lines to it with write(2),
 * calling getpid() and sleeping 1 ms between writes. Every line records whether getpid()
 * in the thread agreed with main's getpid(), so the files are deterministic.
 * main joins every thread and prints "ok 8"; any failure prints a message and exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 8
#define LINES 20

static const char *dir;
static pid_t main_pid;

struct job {
	int index;
	int failed;
	char why[128];
};

static void *worker(void *arg)
{
	struct job *job = arg;
	char path[4096];
	snprintf(path, sizeof path, "%s/t%d.txt", dir, job->index);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		job->failed = 1;
		snprintf(job->why, sizeof job->why, "open t%d.txt: %s", job->index, strerror(errno));
		return NULL;
	}
	for (int line = 0; line < LINES; line++) {
		char buf[128];
		int same = getpid() == main_pid;
		int len = snprintf(buf, sizeof buf, "thread %d line %d pid %s\n", job->index, line,
				   same ? "same" : "DIFFERENT");
		if (write(fd, buf, (size_t)len) != len) {
			job->failed = 1;
			snprintf(job->why, sizeof job->why, "write t%d.txt: %s", job->index,
				 strerror(errno));
			break;
		}
		struct timespec ms = {0, 1000000};
		while (nanosleep(&ms, &ms) < 0 && errno == EINTR)
			;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	main_pid = getpid();
	pthread_t threads[THREADS];
	struct job jobs[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct job){.index = i};
		int err = pthread_create(&threads[i], NULL, worker, &jobs[i]);
		if (err) {
			printf("pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	int failed = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].failed) {
			printf("thread %d failed: %s\n", i, jobs[i].why);
			failed = 1;
		}
	}
	if (failed)
		return 1;
	printf("ok %d\n", THREADS);
	return 0;
}
