/* Every clock id that should exist answers clock_gettime; BOOTTIME >= MONOTONIC; the
 * process CPU clock advances with work; an invalid clock is EINVAL. */
#include "conf.h"

int main(void)
{
    struct {
        clockid_t id;
        const char *name;
    } clocks[] = {{CLOCK_REALTIME, "REALTIME"},
                  {CLOCK_MONOTONIC, "MONOTONIC"},
                  {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
                  {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
                  {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"},
                  {CLOCK_BOOTTIME, "BOOTTIME"},
                  {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME"},
                  {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME"},
                  {CLOCK_TAI, "TAI"}};
    struct timespec ts;
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
        printf("%s: %s\n", clocks[i].name, RESULT(clock_gettime(clocks[i].id, &ts)));
    struct timespec mono, boot;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    printf("boottime >= monotonic: %d\n", boot.tv_sec >= mono.tv_sec);
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 30000000; i++)
        x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cpu clock advanced: %d\n",
           c1.tv_sec > c0.tv_sec || (c1.tv_sec == c0.tv_sec && c1.tv_nsec > c0.tv_nsec));
    errno = 0;
    printf("invalid clock: %s\n", RESULT(clock_gettime(1234, &ts)));
    return 0;
}
