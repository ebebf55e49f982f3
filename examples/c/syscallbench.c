/* The syscall microbenchmark of `mvx bench`: syscallbench OP COUNT performs one operation COUNT
 * times. OP: getpid, getpid-raw (syscall(2): always stops in mvx), getcwd, read1 (1 byte from /dev/zero), write64 (64 bytes to /dev/null),
 * openclose (/etc/hostname), clock_gettime. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    const char *op = argv[1];
    long count = atol(argv[2]);
    char buf[256];
    int zero = open("/dev/zero", O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    struct timespec ts;
    long acc = 0;
    for (long i = 0; i < count; i++) {
        if (!strcmp(op, "getpid"))
            acc += getpid(); /* libc's: mvx's fast path may take it */
        else if (!strcmp(op, "getpid-raw"))
            acc += syscall(SYS_getpid);
        else if (!strcmp(op, "getcwd"))
            acc += getcwd(buf, sizeof buf) != 0;
        else if (!strcmp(op, "read1"))
            acc += read(zero, buf, 1);
        else if (!strcmp(op, "write64"))
            acc += write(null, buf, 64);
        else if (!strcmp(op, "openclose")) {
            int fd = open("/etc/hostname", O_RDONLY);
            acc += fd;
            close(fd);
        } else if (!strcmp(op, "clock_gettime"))
            acc += clock_gettime(CLOCK_MONOTONIC, &ts);
        else
            return 2;
    }
    printf("%s %ld %d\n", op, count, acc != 0);
    return 0;
}
