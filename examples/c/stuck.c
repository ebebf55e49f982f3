/* Two variants that never agree on when to go on: built twice, stuck-a and stuck-b
 * (-DVARIANT_B). Under `mvx run --variant stuck-a --variant stuck-b -- MODE`:
 *   sleep: both call nanosleep, A for 0.1 s, B for a day (the timespec is not compared:
 *          deadlines come from clocks), so B stays inside a call A returned from;
 *   lock:  A deadlocks on its own mutex (a futex wait, never seen by the monitor), B waits
 *          for a signal in pause(): A never reaches B's syscall.
 * Natively each variant ends (sleep) or blocks forever (lock) on its own. Both ignore SIGTERM,
 * as a program stuck in a way that a polite request cannot end. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef VARIANT_B
static const int variant_b = 1;
#else
static const int variant_b = 0;
#endif

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "sleep";
    signal(SIGTERM, SIG_IGN);
    if (strcmp(mode, "sleep") == 0) {
        struct timespec ts = {variant_b ? 86400 : 0, variant_b ? 0 : 100000000};
        nanosleep(&ts, NULL);
        puts("woke up");
        return 0;
    }
    if (variant_b) {
        pause();
    } else {
        static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&m);
        pthread_mutex_lock(&m); /* default mutex: blocks forever */
    }
    puts("unreachable");
    return 1;
}
