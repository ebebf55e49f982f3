/* posix-mq: a POSIX message queue created, filled, read in priority order and removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char name[64];
	snprintf(name, sizeof(name), "/mvx-test-mq-%d", (int)getpid());
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	if (q == (mqd_t)-1) {
		perror("mq_open");
		return 1;
	}
	printf("send: %d %d %d\n", mq_send(q, "low", 4, 1), mq_send(q, "high", 5, 9),
	       mq_send(q, "middle", 7, 5));
	struct mq_attr now;
	mq_getattr(q, &now);
	printf("attr: maxmsg %ld msgsize %ld curmsgs %ld\n", now.mq_maxmsg, now.mq_msgsize,
	       now.mq_curmsgs);
	for (int i = 0; i < 3; i++) {
		char buf[64];
		unsigned prio = 0;
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		printf("receive: %zd bytes, priority %u: %s\n", n, prio, buf);
	}
	/* Non-blocking now: an empty queue answers EAGAIN. */
	struct mq_attr nb = {.mq_flags = O_NONBLOCK};
	mq_setattr(q, &nb, NULL);
	char buf[64];
	errno = 0;
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	printf("empty: %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	/* A second descriptor of the same queue. */
	mqd_t q2 = mq_open(name, O_WRONLY);
	printf("second open: %s, send %d\n", q2 == (mqd_t)-1 ? "failed" : "ok",
	       mq_send(q2, "again", 6, 0));
	mq_getattr(q, &now);
	printf("curmsgs %ld\n", now.mq_curmsgs);
	printf("close: %d %d, unlink: %d\n", mq_close(q2), mq_close(q), mq_unlink(name));
	errno = 0;
	int r = mq_unlink(name);
	printf("unlink again: %d %s\n", r, errno == ENOENT ? "ENOENT" : strerror(errno));
	return 0;
}
