/* A server's shutdown in miniature: a SIGTERM handler sets a flag, the main loop blocks in
 * epoll_wait (argument "epoll") or read (argument "read") on an idle pipe and ends cleanly
 * once the flag is set. Natively, SIGTERM ends it at once with status 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv) {
    int use_epoll = argc > 1 && strcmp(argv[1], "epoll") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, 0);
    int p[2];
    if (pipe(p) != 0)
        return 3;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0)
        return 3;
    printf("ready\n");
    fflush(stdout);
    while (!stop) {
        char c;
        int n = use_epoll ? epoll_wait(ep, &ev, 1, -1) : (int)read(p[0], &c, 1);
        if (n < 0 && errno != EINTR)
            return 2;
    }
    printf("terminated cleanly\n");
    return 0;
}
