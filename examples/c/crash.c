/* crash: prints "line 1" .. "line 5", one write(2) each, and exits 0.
 * Built with -DCRASH (examples/bin/crash-segv) it dereferences NULL after
 * line 3, so under mvx with crash-ok as the other variant the divergence is a
 * crash by SIGSEGV and lines 4 and 5 are never printed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[32];
	for (int i = 1; i <= 5; i++) {
		int len = snprintf(buf, sizeof buf, "line %d\n", i);
		if (write(STDOUT_FILENO, buf, (size_t)len) < 0)
			return 1;
#ifdef CRASH
		if (i == 3) {
			/* volatile: the compiler must load the pointer and store through it. */
			int *volatile p = NULL;
			*p = 42;
		}
#endif
	}
	return 0;
}
