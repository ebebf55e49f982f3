/* addresses: prints where libc's system() and a 1 MiB malloc block (an mmap) are. Under mvx
 * each variant's mmap area is elsewhere (address-space partitioning), so the variants
 * disagree on this line: no library or mmap'd address is valid in two variants. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *block = malloc(1 << 20);
	printf("system %p block %p\n", (void *)system, block);
	free(block);
	return 0;
}
