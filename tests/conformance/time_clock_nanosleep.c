/* clock_nanosleep relative and TIMER_ABSTIME on CLOCK_MONOTONIC; a past deadline returns at
 * once; an unknown clock is EINVAL (returned, not in errno). */
#include "conf.h"

int main(void)
{
    struct timespec rel = {0, 15 * 1000000};
    long long t0 = mono_ms();
    int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL);
    printf("relative: %d, >= 14ms %d\n", r, mono_ms() - t0 >= 14);
    struct timespec now, until;
    clock_gettime(CLOCK_MONOTONIC, &now);
    until = now;
    until.tv_nsec += 15 * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    t0 = mono_ms();
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    printf("absolute: %d, >= 14ms %d\n", r, mono_ms() - t0 >= 14);
    t0 = mono_ms();
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, NULL);
    printf("past deadline: %d, quick %d\n", r, mono_ms() - t0 < 500);
    r = clock_nanosleep(12345, 0, &rel, NULL);
    printf("bad clock: %s\n", conf_errname(r));
    return 0;
}
