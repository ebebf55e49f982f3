/* timerfd: a one-shot timer reads 1 expiration; a periodic one accumulates several;
 * timerfd_gettime shows the interval; a non-blocking read before expiry is EAGAIN. */
#include "conf.h"
#include <sys/timerfd.h>

int main(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    OK(fd);
    struct itimerspec one = {{0, 0}, {0, 10 * 1000000}};
    OK(timerfd_settime(fd, 0, &one, NULL));
    uint64_t n = 0;
    CHECK(read(fd, &n, sizeof n) == sizeof n);
    printf("one-shot expirations: %llu\n", (unsigned long long)n);
    struct itimerspec per = {{0, 5 * 1000000}, {0, 5 * 1000000}}, cur;
    OK(timerfd_settime(fd, 0, &per, NULL));
    OK(timerfd_gettime(fd, &cur));
    printf("interval kept: %d\n", cur.it_interval.tv_nsec == 5 * 1000000);
    sleep_ms(30);
    CHECK(read(fd, &n, sizeof n) == sizeof n);
    printf("periodic accumulated >= 3: %d\n", n >= 3);
    struct itimerspec off = {{0, 0}, {0, 0}};
    OK(timerfd_settime(fd, 0, &off, NULL));
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    errno = 0;
    printf("disarmed read: %s\n", RESULT(read(fd, &n, sizeof n)));
    errno = 0;
    printf("short buffer: %s\n", RESULT(read(fd, &n, 4)));
    return 0;
}
