/* timerfd with TFD_TIMER_ABSTIME on CLOCK_REALTIME, waited for with poll. */
#include "conf.h"
#include <poll.h>
#include <sys/timerfd.h>

int main(void)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    OK(fd);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec at = {{0, 0}, now};
    at.it_value.tv_nsec += 20 * 1000000;
    if (at.it_value.tv_nsec >= 1000000000) {
        at.it_value.tv_sec++;
        at.it_value.tv_nsec -= 1000000000;
    }
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &at, NULL));
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, 2000);
    uint64_t n = 0;
    CHECK(read(fd, &n, sizeof n) == sizeof n);
    printf("poll %d, revents POLLIN %d, expirations %llu\n", r, (p.revents & POLLIN) != 0,
           (unsigned long long)n);
    return 0;
}
