/* ppoll atomically unblocks a signal while waiting: a blocked SIGUSR1 pending before the call
 * interrupts it (EINTR) and the handler runs; the mask is restored afterwards. */
#include "conf.h"
#include <poll.h>

static volatile sig_atomic_t hits;
static void handler(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR1, handler);
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    OK(sigprocmask(SIG_BLOCK, &block, NULL));
    OK(raise(SIGUSR1));
    int fds[2];
    OK(pipe(fds));
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec ts = {2, 0};
    int r = ppoll(&p, 1, &ts, &empty);
    int e = errno;
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    printf("ppoll: %d %s, handler %d, blocked again %d\n", r, conf_errname(e), (int)hits,
           sigismember(&now, SIGUSR1));
    CHECK(write(fds[1], "x", 1) == 1);
    r = ppoll(&p, 1, NULL, NULL);
    printf("with data, no timeout: %d\n", r);
    return 0;
}
