/* addresses: prints where libc's system(), a 1 MiB malloc block (an mmap), a small malloc
 * block (normally the brk heap) and this program's main() (position-independent) are. Under
 * mvx each variant's mmap area is elsewhere and the program itself is loaded there
 * (address-space partitioning), so the variants disagree on this line: none of these
 * addresses is valid in two variants. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *block = malloc(1 << 20);
	void *small = malloc(64);
	/* Bare hex, so that the whole line fits in mvx's report excerpt. */
	printf("%lx %lx %lx %lx\n", (unsigned long)system, (unsigned long)block,
	       (unsigned long)small, (unsigned long)main);
	free(small);
	free(block);
	return 0;
}
