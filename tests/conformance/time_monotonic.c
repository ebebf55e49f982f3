/* CLOCK_MONOTONIC never goes back over 10000 reads; CLOCK_REALTIME is after 2020; both
 * resolutions are at most 1 ms; gettimeofday and time() agree with CLOCK_REALTIME. */
#include "conf.h"
#include <sys/time.h>

int main(void)
{
    struct timespec prev, cur;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    int backwards = 0;
    for (int i = 0; i < 10000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &cur);
        if (cur.tv_sec < prev.tv_sec || (cur.tv_sec == prev.tv_sec && cur.tv_nsec < prev.tv_nsec))
            backwards++;
        prev = cur;
    }
    printf("monotonic went back %d times\n", backwards);
    struct timespec rt, res;
    clock_gettime(CLOCK_REALTIME, &rt);
    printf("realtime after 2020: %d\n", rt.tv_sec > 1577836800);
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("monotonic resolution <= 1ms: %d\n", res.tv_sec == 0 && res.tv_nsec <= 1000000);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("gettimeofday/time/realtime within 2 s: %d\n",
           labs(tv.tv_sec - rt.tv_sec) <= 2 && labs(t - rt.tv_sec) <= 2);
    return 0;
}
