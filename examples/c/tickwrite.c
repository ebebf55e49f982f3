/* A 1 ms timer whose handler counts ticks, and a loop whose fast-path calls carry the count:
 * every write holds the ticks seen so far, so a variant that took a tick between other
 * records than the leader's writes other bytes. Usage: tickwrite [WRITES [FILE]]. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

int main(int argc, char **argv)
{
    long writes = argc > 1 ? atol(argv[1]) : 200000;
    const char *path = argc > 2 ? argv[2] : "/dev/null";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, 0);
    for (long i = 0; i < writes; i++) {
        long seen = ticks;
        if (write(fd, &seen, sizeof seen) != sizeof seen)
            return 1;
        for (volatile int spin = 0; spin < 200; spin++)
            ;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("%ld writes, each with the ticks seen so far\n", writes);
    return 0;
}
