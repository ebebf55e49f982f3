/* times() and getrusage(RUSAGE_SELF) account CPU time of a busy loop. */
#include "conf.h"
#include <sys/resource.h>
#include <sys/times.h>

int main(void)
{
    struct tms a, b;
    clock_t r0 = times(&a);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 60000000; i++)
        x += i;
    clock_t r1 = times(&b);
    printf("elapsed ticks nondecreasing: %d\n", r1 >= r0);
    printf("user+system ticks grew: %d\n",
           b.tms_utime + b.tms_stime > a.tms_utime + a.tms_stime);
    struct rusage ru;
    OK(getrusage(RUSAGE_SELF, &ru));
    printf("rusage utime > 0: %d, maxrss > 0: %d\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec > 0,
           ru.ru_maxrss > 0);
    OK(getrusage(RUSAGE_THREAD, &ru));
    printf("RUSAGE_THREAD: ok\n");
    return 0;
}
