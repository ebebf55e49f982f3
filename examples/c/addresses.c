/* addresses: prints where libc's system(), a 1 MiB malloc block (an mmap), this program's
 * main() (position-independent) and a local variable (the main stack) are. Under
 * mvx each variant's mmap area and stack are elsewhere and the program itself is loaded
 * there (address-space partitioning), so the variants disagree on this line: none of the
 * four addresses is valid in two variants. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *block = malloc(1 << 20);
	int local = 0;
	/* Bare hex, so that the whole line fits in mvx's report excerpt. */
	printf("%lx %lx %lx %lx\n", (unsigned long)system, (unsigned long)block,
	       (unsigned long)main, (unsigned long)&local);
	free(block);
	return 0;
}
