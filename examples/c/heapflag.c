/* A heap overflow into a neighbour's flag, a data-only attack on the heap (tests/security.rs):
 * the name buffer and the account record are consecutive allocations; the name is copied
 * from stdin with an unchecked length, so 432 bytes and then 1 set the admin flag (glibc
 * places the next 424-byte request's chunk 432 bytes on; a size nothing else in the process
 * asks for, so no recycled chunk lies in between, with mvx's preload too). Natively, and under mvx with identical heaps, the
 * program takes the privileged action (creates the marker file named by its argument) and says
 * "admin". With --heap-padding each follower's flag lies elsewhere: the variants disagree at
 * the marker's open (lock-stepped at every level) and the run ends before it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char *name = malloc(424);
    int *admin = malloc(424); /* an account record: the flag first */
    if (name == NULL || admin == NULL)
        return 1;
    *admin = 0;
    char line[1024];
    ssize_t n = read(0, line, sizeof line);
    if (n <= 0)
        return 1;
    memcpy(name, line, (size_t)n); /* the bug: no bound on n */
    /* What a real program's opaque calls between the copy and the check do: the compiler
     * may not assume the copy left the other allocation alone. */
    __asm__ volatile("" ::: "memory");
    if (*admin) {
        int fd = open(argv[1], O_WRONLY | O_CREAT, 0600); /* the privileged action */
        if (fd >= 0)
            close(fd);
        printf("admin\n");
    } else {
        printf("user\n");
    }
    fflush(stdout);
    _exit(0); /* no free: the overflow broke the next chunk's header */
}
