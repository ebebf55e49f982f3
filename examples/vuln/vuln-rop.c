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
