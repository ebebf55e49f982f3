/* vuln-stack: a greeting server with a stack buffer overflow.
 * Protocol: the client sends its name; the server answers "hello NAME\n".
 * Bug: the name is read into a 64-byte stack buffer with a 512-byte limit, so a long name
 * overwrites the saved return address of handle(). Build without stack protector and
 * without PIE, as the native target; the exploit jumps to run_maintenance(). */
#include "common.h"

__attribute__((noinline)) static void handle(int fd)
{
	char name[64];
	ssize_t n = read(fd, name, 512); /* BUG: 512 > sizeof name */
	if (n <= 0)
		return;
	send_str(fd, "hello ");
	if (write(fd, name, (size_t)n) < 0)
		return;
	send_str(fd, "\n");
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, handle);
}
