/* diverge-a / diverge-b (-DVARIANT_B): writes one line with write(2) and exits 0.
 * The two builds (same length, different text) show that mvx stops
 * the variants at the first write whose buffer differs, before anything is written.
 * With the argument "socket", the line goes through a socket pair first (written to one
 * end, read from the other, then printed): a divergence in a write to a socket. With
 * "raw", the write is the program's own `syscall` instruction (not libc's syscall(2), which
 * mvx's preload library puts on the fast path), which never takes mvx's fast path. */
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* write(2) from a syscall instruction in this program. */
static long raw_write(int fd, const void *buf, size_t n)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(n)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
#ifdef VARIANT_B
	static const char msg[] = "hello from variant B\n";
#else
	static const char msg[] = "hello from variant A\n";
#endif
	int out = STDOUT_FILENO;
	int sv[2];
	if (argc > 1 && strcmp(argv[1], "socket") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			return 2;
		out = sv[0];
	}
	if (argc > 1 && strcmp(argv[1], "raw") == 0) {
		if (raw_write(out, msg, strlen(msg)) < 0)
			return 1;
	} else if (write(out, msg, strlen(msg)) < 0) {
		return 1;
	}
	if (out != STDOUT_FILENO) {
		char buf[64];
		ssize_t n = read(sv[1], buf, sizeof buf);
		if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) < 0)
			return 1;
	}
	return 0;
}
