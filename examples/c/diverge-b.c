/* diverge-b: the counterpart of diverge-a; same syscalls, different buffer. */
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello from variant B\n";
	if (write(STDOUT_FILENO, msg, strlen(msg)) < 0)
		return 1;
	return 0;
}
