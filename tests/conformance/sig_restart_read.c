/* SA_RESTART: a read on a pipe interrupted by a timer signal is restarted, and gets the byte
 * the handler writes. */
#include "conf.h"
#include <sys/time.h>

static int fds[2];
static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
    (void)sig;
    hits++;
    if (write(fds[1], "x", 1) != 1)
        _exit(3);
}

int main(void)
{
    OK(pipe(fds));
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    OK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_REAL, &it, NULL));
    char c = 0;
    ssize_t r = read(fds[0], &c, 1);
    printf("read returned %zd '%c', handler ran %d\n", r, c, (int)hits);
    return 0;
}
