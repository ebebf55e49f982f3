/* epoll returns the data (here pointers to our own structs) registered with each fd. */
#include "conf.h"
#include <sys/epoll.h>

struct conn {
    const char *name;
    int fds[2];
};

int main(void)
{
    struct conn c[3] = {{"alpha", {0, 0}}, {"beta", {0, 0}}, {"gamma", {0, 0}}};
    int ep = epoll_create1(EPOLL_CLOEXEC);
    OK(ep);
    for (int i = 0; i < 3; i++) {
        OK(pipe(c[i].fds));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c[i]};
        OK(epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fds[0], &ev));
    }
    CHECK(write(c[2].fds[1], "x", 1) == 1);
    CHECK(write(c[0].fds[1], "x", 1) == 1);
    struct epoll_event out[8];
    int n = epoll_wait(ep, out, 8, 1000);
    int seen_alpha = 0, seen_gamma = 0, other = 0;
    for (int i = 0; i < n; i++) {
        struct conn *cc = out[i].data.ptr;
        if (cc == &c[0])
            seen_alpha = 1;
        else if (cc == &c[2])
            seen_gamma = 1;
        else
            other = 1;
    }
    printf("ready %d: alpha %d gamma %d other %d\n", n, seen_alpha, seen_gamma, other);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, c[2].fds[0], &ev));
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, c[0].fds[0], NULL));
    n = epoll_wait(ep, out, 8, 1000);
    printf("after MOD/DEL: ready %d, u64 kept %d\n", n, n == 1 && out[0].data.u64 == 0x1122334455667788ULL);
    errno = 0;
    printf("ADD twice: %s\n", RESULT(epoll_ctl(ep, EPOLL_CTL_ADD, c[2].fds[0], &ev)));
    return 0;
}
