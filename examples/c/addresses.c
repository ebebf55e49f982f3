/* addresses: prints where libc's system(), a 1 MiB malloc block (an mmap), this program's
 * main() (position-independent), a local variable (the main stack) and the program break (the
 * brk heap) are. Under mvx each variant's mmap area, stack and brk heap are elsewhere and the
 * program itself is loaded there (address-space partitioning), so the variants disagree on
 * this line: none of the five addresses is valid in two variants. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	void *block = malloc(1 << 20);
	int local = 0;
	/* Bare hex, so that the whole line fits in mvx's report excerpt. */
	printf("%lx %lx %lx %lx %lx\n", (unsigned long)system, (unsigned long)block,
	       (unsigned long)main, (unsigned long)&local, (unsigned long)sbrk(0));
	free(block);
	return 0;
}
