/* A signal interrupts nanosleep: EINTR and the remaining time is filled in. */
#include "conf.h"
#include <sys/time.h>

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    OK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_REAL, &it, NULL));
    struct timespec ts = {5, 0}, rem = {0, 0};
    int r = nanosleep(&ts, &rem);
    int e = errno;
    printf("nanosleep: %d %s, remaining between 4 and 5 s: %d\n", r, conf_errname(e),
           rem.tv_sec >= 4 && rem.tv_sec <= 5);
    return 0;
}
