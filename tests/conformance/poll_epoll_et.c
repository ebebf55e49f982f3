/* Edge-triggered epoll reports new data once; level-triggered keeps reporting it. EPOLLONESHOT
 * disarms after one event until re-armed with EPOLL_CTL_MOD. */
#include "conf.h"
#include <sys/epoll.h>

static int wait0(int ep)
{
    struct epoll_event ev;
    return epoll_wait(ep, &ev, 1, 0);
}

int main(void)
{
    int et[2], lt[2], os[2];
    OK(pipe(et));
    OK(pipe(lt));
    OK(pipe(os));
    int e1 = epoll_create1(0), e2 = epoll_create1(0), e3 = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
    OK(epoll_ctl(e1, EPOLL_CTL_ADD, et[0], &ev));
    ev.events = EPOLLIN;
    OK(epoll_ctl(e2, EPOLL_CTL_ADD, lt[0], &ev));
    ev.events = EPOLLIN | EPOLLONESHOT;
    OK(epoll_ctl(e3, EPOLL_CTL_ADD, os[0], &ev));
    CHECK(write(et[1], "ab", 2) == 2);
    CHECK(write(lt[1], "ab", 2) == 2);
    CHECK(write(os[1], "ab", 2) == 2);
    int a = wait0(e1), b = wait0(e1);
    printf("edge: %d then %d\n", a, b);
    CHECK(write(et[1], "c", 1) == 1);
    printf("edge after new data: %d\n", wait0(e1));
    a = wait0(e2);
    b = wait0(e2);
    printf("level: %d then %d\n", a, b);
    a = wait0(e3);
    b = wait0(e3);
    printf("oneshot: %d then %d\n", a, b);
    ev.events = EPOLLIN | EPOLLONESHOT;
    OK(epoll_ctl(e3, EPOLL_CTL_MOD, os[0], &ev));
    printf("oneshot re-armed: %d\n", wait0(e3));
    return 0;
}
