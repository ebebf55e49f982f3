/* Reads the clocks many times and prints what it saw. Natively (and under a monitor that let
 * the vDSO answer) every variant would see its own clock; under mvx all variants see the
 * leader's values, so their writes agree.
 * Usage: clock [threaded]   (threaded: a second thread waits meanwhile, so the process is
 * multi-threaded while it reads, as a server with worker threads is) */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int wake[2];

static void *waiter(void *arg) {
    char c;
    (void)arg;
    while (read(wake[0], &c, 1) < 0) {
    }
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t worker;
    int threaded = argc > 1 && strcmp(argv[1], "threaded") == 0;
    if (threaded && (pipe(wake) != 0 || pthread_create(&worker, NULL, waiter, NULL) != 0)) {
        perror("clock: worker");
        return 1;
    }
    long long sum = 0;
    for (int i = 0; i < 200; i++) {
        struct timespec mono, real;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_REALTIME, &real);
        sum += mono.tv_nsec ^ real.tv_nsec;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("time=%ld usec=%ld mix=%lld\n", (long)time(NULL), (long)tv.tv_usec, sum);
    if (threaded) {
        fflush(stdout);
        if (write(wake[1], "x", 1) != 1 || pthread_join(worker, NULL) != 0)
            return 1;
    }
    return 0;
}
