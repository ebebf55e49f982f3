/* Without SA_RESTART a read interrupted by a handled signal fails with EINTR. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t hits;
static void on_alarm(int sig) { (void)sig; hits++; }

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    OK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_REAL, &it, NULL));
    char c;
    ssize_t r = read(fds[0], &c, 1);
    printf("read returned %zd errno %s, handler ran %d\n", r, r < 0 ? conf_errname(errno) : "-",
           (int)hits);
    return 0;
}
