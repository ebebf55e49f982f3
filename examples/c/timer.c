/* The Orchestra validity experiment: a CPU-bound loop with a 1 ms interval timer whose handler
 * writes a fixed string. Signals arrive at different instructions in different variants; under
 * mvx they are delivered in the same signal time frame, so the handler's writes agree.
 * Usage: timer [ITERATIONS] (default 300000000). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig) {
    (void)sig;
    static const char tick[] = "tick\n";
    write(1, tick, sizeof tick - 1);
}

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 300000000UL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++)
        x += i * 7;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("done %lu\n", (unsigned long)x);
    return 0;
}
