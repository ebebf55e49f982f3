/* epoll on a listening TCP socket and an accepted connection: accept readiness, data
 * readiness, EPOLLRDHUP at peer shutdown. */
#include "conf_net.h"
#include <sys/epoll.h>

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    int c = tcp_connect(port);
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 2000);
    printf("listener ready: %d (tag %u)\n", n, n > 0 ? out[0].data.u32 : 0);
    int s = accept(l, NULL, NULL);
    OK(s);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = 2;
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    write_full(c, "hi", 2);
    n = epoll_wait(ep, out, 4, 2000);
    printf("data ready: %d (tag %u), RDHUP %d\n", n, n > 0 ? out[0].data.u32 : 0,
           n > 0 && (out[0].events & EPOLLRDHUP) != 0);
    char buf[4];
    read_full(s, buf, 2);
    OK(shutdown(c, SHUT_WR));
    n = epoll_wait(ep, out, 4, 2000);
    printf("after peer shutdown: %d, RDHUP %d\n", n, n > 0 && (out[0].events & EPOLLRDHUP) != 0);
    return 0;
}
