/* A periodic ITIMER_REAL delivers SIGALRM repeatedly; getitimer shows the interval. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void)
{
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 10000}, {0, 10000}}, cur;
    OK(setitimer(ITIMER_REAL, &it, NULL));
    OK(getitimer(ITIMER_REAL, &cur));
    printf("interval kept: %d\n", cur.it_interval.tv_usec == 10000);
    while (ticks < 3)
        pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    OK(setitimer(ITIMER_REAL, &off, NULL));
    OK(getitimer(ITIMER_REAL, &cur));
    printf("three ticks seen, disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    return 0;
}
