/* stackbounds: finds the main thread's stack the two ways programs do, and prints whether a
 * local variable lies inside it: pthread_getattr_np (glibc reads /proc/self/maps through
 * stdio; Rust's std does this in every program) and a plain read(2) of /proc/self/maps.
 * Under mvx with address-space partitioning each variant's stack is elsewhere, so each must
 * see its own memory map: every variant prints "1 1". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int inside_by_pthread(const void *p)
{
	pthread_attr_t attr;
	void *low;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &attr) != 0 ||
	    pthread_attr_getstack(&attr, &low, &size) != 0)
		return 0;
	pthread_attr_destroy(&attr);
	return (const char *)p >= (const char *)low && (const char *)p < (const char *)low + size;
}

static int inside_by_maps(const void *p)
{
	static char text[1 << 16];
	size_t used = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return 0;
	/* Small reads, as a careful parser makes them. */
	while (used < sizeof text - 1 && (n = read(fd, text + used, 200)) > 0)
		used += n;
	close(fd);
	text[used] = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long lo, hi;
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			return (unsigned long)p >= lo && (unsigned long)p < hi;
	}
	return 0;
}

int main(void)
{
	int local = 0;
	printf("%d %d\n", inside_by_pthread(&local), inside_by_maps(&local));
	return 0;
}
