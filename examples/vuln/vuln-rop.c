/* vuln-rop: a message server with an over-read (information leak) and a stack overflow,
 * built as a position-independent executable.
 * Protocol: one command per line.
 *   msg LEN   -> followed by LEN raw bytes: stores the message, answers "stored LEN\n"
 *   echo LEN  -> answers with the first LEN bytes of the stored message, then "\n"
 *   quit      -> closes the connection
 * Bugs: `echo` does not check LEN against the 64-byte message buffer, so it sends whatever
 * follows it on the stack: saved registers, the stack canary if there is one, the return
 * address into main (which gives away where the executable was loaded); `msg` does not check
 * LEN either, so the message overwrites all of that. The exploit echoes 256 bytes, finds the
 * return address among them, then sends a message made of the leaked bytes up to it (the
 * canary and saved registers stay intact) followed by a return-oriented chain of gadgets
 * found in the executable: `pop rdi; ret` with the address of the maintenance command,
 * a bare `ret` (stack alignment), system@plt, then `pop rdi; ret` with 0 and _exit@plt.
 * `quit` makes session() return into the chain. */
#include "common.h"

#define MSG_SIZE 64
#define MAX_LEN 512

/* Reads one line (without its newline) into buf, NUL-terminated; returns its length, -1 at
 * end of input. Longer lines are cut. */
static ssize_t read_line(int fd, char *buf, size_t cap)
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

static int read_exactly(int fd, char *buf, size_t len)
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

/* Answers the commands of one connection; returns when the client quits or goes away. */
__attribute__((noinline)) static void session(int fd)
{
	char msg[MSG_SIZE];
	char line[32];
	ssize_t n;
	while ((n = read_line(fd, line, sizeof line)) >= 0) {
		if (n > 4 && memcmp(line, "msg ", 4) == 0) {
			size_t len = (size_t)atoi(line + 4);
			if (len > MAX_LEN) /* BUG: checked against MAX_LEN, not sizeof msg */
				len = MAX_LEN;
			if (read_exactly(fd, msg, len) != 0)
				return;
			char answer[32];
			snprintf(answer, sizeof answer, "stored %zu\n", len);
			send_str(fd, answer);
		} else if (n > 5 && memcmp(line, "echo ", 5) == 0) {
			size_t len = (size_t)atoi(line + 5);
			if (len > MAX_LEN) /* BUG: the same: reads past msg */
				len = MAX_LEN;
			if (write(fd, msg, len) < 0)
				return;
			send_str(fd, "\n");
		} else if (strcmp(line, "quit") == 0) {
			return;
		} else {
			send_str(fd, "unknown command\n");
		}
	}
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, session);
}
