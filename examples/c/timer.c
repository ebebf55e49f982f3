/* The Orchestra validity experiment: a CPU-bound loop with a 1 ms interval timer whose handler
 * writes a fixed string. Signals arrive at different instructions in different variants; under
 * mvx they are delivered in the same signal time frame, so the handler's writes agree.
 * Usage: timer [ITERATIONS [write|quiet|off]]: the handler writes "tick" (default), does
 * nothing (quiet: the benchmark's empty handler), or no timer is set at all (off). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int quiet;

static void on_alarm(int sig) {
    (void)sig;
    static const char tick[] = "tick\n";
    if (!quiet)
        write(1, tick, sizeof tick - 1);
}

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 300000000UL;
    const char *mode = argc > 2 ? argv[2] : "write";
    quiet = strcmp(mode, "quiet") == 0;
    int timer = strcmp(mode, "off") != 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    if (timer)
        setitimer(ITIMER_REAL, &every_ms, 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++)
        x += i * 7;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("done %lu\n", (unsigned long)x);
    return 0;
}
