/* vuln-heap: a session server with a heap overflow into a function pointer.
 * Protocol: the client sends a 4-byte little-endian length, then that many bytes of name;
 * the server answers "welcome NAME\n" through the session's greeting function.
 * Bug: the length is not checked against the 32-byte name field, which is followed in the
 * heap object by the greeting function pointer. The exploit overwrites it with the address
 * of run_maintenance. */
#include "common.h"
#include <stdint.h>

struct session {
	char name[32];
	void (*greet)(int fd, const struct session *s, size_t len);
};

__attribute__((noinline)) static void greet_user(int fd, const struct session *s, size_t len)
{
	send_str(fd, "welcome ");
	if (write(fd, s->name, len < sizeof s->name ? len : sizeof s->name) < 0)
		return;
	send_str(fd, "\n");
}

static void handle(int fd)
{
	uint32_t len;
	if (read(fd, &len, sizeof len) != sizeof len || len > 4096)
		return;
	struct session *s = malloc(sizeof *s);
	s->greet = greet_user;
	size_t got = 0;
	while (got < len) { /* BUG: len is not checked against sizeof s->name */
		ssize_t n = read(fd, (char *)s->name + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	s->greet(fd, s, got);
	free(s);
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, handle);
}
