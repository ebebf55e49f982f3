/* vuln-leak: an echo server with an information leak and a stack buffer overflow.
 * Protocol: the client sends a greeting line, the server echoes it; then the client sends a
 * message, the server answers "ok\n".
 * Bugs: the greeting is used as a printf format (format-string leak: "%p" prints stack
 * words, among them a pointer to log_message, which gives away where the position-
 * independent executable was loaded), and the message is read into a 64-byte stack buffer
 * with a 512-byte limit. The exploit leaks the address, computes run_maintenance's from it
 * and returns into it: a code-reuse attack through a leaked address. */
#include "common.h"

__attribute__((noinline)) static void log_message(const char *m)
{
	(void)m;
}

/* Echoes the client's greeting line. Returns 0 when the client went away. */
__attribute__((noinline)) static int greet(int fd)
{
	static char out[4096];
	void (*volatile logger)(const char *) = log_message;
	char line[512];
	ssize_t n = read(fd, line, sizeof line - 1);
	if (n <= 0)
		return 0;
	line[n] = 0;
	snprintf(out, sizeof out, line); /* BUG: format string */
	send_str(fd, out);
	logger(line);
	return 1;
}

__attribute__((noinline)) static void handle(int fd)
{
	char msg[64];
	if (!greet(fd))
		return;
	ssize_t n = read(fd, msg, 512); /* BUG: 512 > sizeof msg */
	if (n <= 0)
		return;
	send_str(fd, "ok\n");
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, handle);
}
