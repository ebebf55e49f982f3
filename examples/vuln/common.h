/* Shared by the deliberately vulnerable servers of examples/vuln: a TCP server on
 * 127.0.0.1 that prints "port N" (port 0 in argv[1]: any free port), then serves one
 * connection at a time, forever. argv[2] is the path of the marker file that the servers'
 * hidden maintenance function creates: an exploit that reaches it has run a shell command.
 *
 * DO NOT DEPLOY: these servers exist to show that mvx catches real exploits. */
#ifndef MVX_VULN_COMMON_H
#define MVX_VULN_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char maintenance_cmd[512];

/* Never called by the servers: the code an attacker wants to reach. It realigns the stack
 * itself, as a callback registered with a foreign ABI would, so that a return-address
 * overwrite can land on its first instruction. */
__attribute__((noinline, used, force_align_arg_pointer)) static void run_maintenance(void)
{
	if (system(maintenance_cmd) != 0)
		_exit(3);
	_exit(0);
}

static void send_str(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Reads one line (without its newline) into buf, NUL-terminated; returns its length, -1 at
 * end of input. Longer lines are cut. */
__attribute__((unused)) static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		char c;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n') {
			buf[n] = 0;
			return (ssize_t)n;
		}
		if (n + 1 < cap)
			buf[n++] = c;
	}
}

/* Reads exactly len bytes; -1 if the peer goes away first. */
__attribute__((unused)) static int read_exactly(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Binds, listens, prints the port; returns the listening socket. */
static int listen_and_announce(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PORT MARKER\n", argv[0]);
		exit(2);
	}
	snprintf(maintenance_cmd, sizeof maintenance_cmd, "touch '%s'", argv[2]);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) {
		perror("bind/listen");
		exit(1);
	}
	socklen_t len = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &len);
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	return s;
}

/* Serves one connection at a time with `handle`, forever. */
static int serve_forever(int argc, char **argv, void (*handle)(int fd))
{
	int s = listen_and_announce(argc, argv);
	for (;;) {
		int c = accept(s, 0, 0);
		if (c < 0)
			continue;
		handle(c);
		close(c);
	}
}

#endif
