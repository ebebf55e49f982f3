/* pselect with a signal mask: a pending blocked signal interrupts it (EINTR); with data and
 * a timespec it returns the ready count. */
#include "conf.h"
#include <sys/select.h>

static volatile sig_atomic_t hits;
static void handler(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR2, handler);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigemptyset(&empty);
    OK(sigprocmask(SIG_BLOCK, &block, NULL));
    OK(raise(SIGUSR2));
    int fds[2];
    OK(pipe(fds));
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fds[0], &rs);
    struct timespec ts = {2, 0};
    int r = pselect(fds[0] + 1, &rs, NULL, NULL, &ts, &empty);
    int e = errno;
    printf("pselect: %d %s, handler %d\n", r, conf_errname(e), (int)hits);
    CHECK(write(fds[1], "x", 1) == 1);
    FD_ZERO(&rs);
    FD_SET(fds[0], &rs);
    r = pselect(fds[0] + 1, &rs, NULL, NULL, &ts, NULL);
    printf("with data: %d, set %d\n", r, FD_ISSET(fds[0], &rs) != 0);
    return 0;
}
