/* epoll-server: a single-threaded TCP server on 127.0.0.1 driven by epoll.
 *
 *   epoll-server PORT COUNT
 *
 * PORT 0 lets the kernel pick a port, which is printed as "port N" (flushed at once).
 * Every connection gets a malloc'ed struct that epoll carries in epoll_event.data.ptr, so
 * the data values are pointers, different in every variant of a diversified build.
 * A client sends lines "GET <n>" and gets "<2n>" back, any number per connection; many
 * connections may be open at once. After answering COUNT requests the server prints
 * "served COUNT" and exits 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum kind { LISTENER, CLIENT };

struct conn {
	enum kind kind;
	int fd;
	size_t len;
	char buf[256];
};

static int epfd;

static void die(const char *what)
{
	fprintf(stderr, "epoll-server: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct conn *new_conn(enum kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		die("calloc");
	c->kind = kind;
	c->fd = fd;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl ADD");
	return c;
}

static void drop_conn(struct conn *c)
{
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL) != 0)
		die("epoll_ctl DEL");
	close(c->fd);
	free(c);
}

/* Writes all of buf to a non-blocking socket; 0 on success. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, 1000);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Answers every complete line in c->buf; returns the number answered, -1 to drop c. */
static int answer_lines(struct conn *c)
{
	int answered = 0;
	char *nl;
	while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		*nl = '\0';
		long n;
		char reply[64];
		int rlen;
		if (sscanf(c->buf, "GET %ld", &n) == 1)
			rlen = snprintf(reply, sizeof reply, "%ld\n", n * 2);
		else
			rlen = snprintf(reply, sizeof reply, "ERR\n");
		if (send_all(c->fd, reply, (size_t)rlen) != 0)
			return -1;
		answered++;
		size_t used = (size_t)(nl - c->buf) + 1;
		memmove(c->buf, nl + 1, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof c->buf)
		return -1; /* a line longer than the buffer */
	return answered;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT COUNT\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]);
	long total = atol(argv[2]);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
		die("bind");
	if (listen(lfd, 128) != 0)
		die("listen");
	if (port == 0) {
		socklen_t alen = sizeof addr;
		if (getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0)
			die("getsockname");
		printf("port %d\n", ntohs(addr.sin_port));
		fflush(stdout);
	}

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	new_conn(LISTENER, lfd);

	long served = 0;
	while (served < total) {
		struct epoll_event events[32];
		int ready = epoll_wait(epfd, events, 32, -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < ready && served < total; i++) {
			struct conn *c = events[i].data.ptr;
			if (c->kind == LISTENER) {
				for (;;) {
					int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (fd < 0) {
						if (errno == EAGAIN || errno == EINTR ||
						    errno == ECONNABORTED)
							break;
						die("accept4");
					}
					new_conn(CLIENT, fd);
				}
				continue;
			}
			ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				drop_conn(c);
				continue;
			}
			c->len += (size_t)n;
			int answered = answer_lines(c);
			if (answered < 0)
				drop_conn(c);
			else
				served += answered;
		}
	}
	printf("served %ld\n", served);
	return 0;
}
