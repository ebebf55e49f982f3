/* epoll_pwait with a signal mask is interrupted by a pending blocked signal; epoll_wait on a
 * timerfd wakes when it fires. */
#include "conf.h"
#include <sys/epoll.h>
#include <sys/timerfd.h>

static volatile sig_atomic_t hits;
static void handler(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR1, handler);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    OK(sigprocmask(SIG_BLOCK, &block, NULL));
    OK(raise(SIGUSR1));
    int ep = epoll_create1(0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev));
    struct epoll_event out;
    int r = epoll_pwait(ep, &out, 1, 2000, &empty);
    int e = errno;
    printf("epoll_pwait: %d %s, handler %d\n", r, conf_errname(e), (int)hits);
    struct itimerspec its = {{0, 0}, {0, 10 * 1000000}};
    OK(timerfd_settime(tfd, 0, &its, NULL));
    r = epoll_wait(ep, &out, 1, 2000);
    printf("timerfd via epoll: %d, data %u\n", r, out.data.u32);
    return 0;
}
