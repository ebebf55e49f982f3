/* accept4 with SOCK_CLOEXEC|SOCK_NONBLOCK; a non-blocking accept with no client is EAGAIN. */
#include "conf_net.h"

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    OK(fcntl(l, F_SETFL, O_NONBLOCK));
    errno = 0;
    printf("nobody waiting: %s\n", RESULT(accept4(l, NULL, NULL, 0)));
    int c = tcp_connect(port);
    int s = -1;
    for (int i = 0; i < 1000 && s < 0; i++) {
        s = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (s < 0)
            sleep_ms(1);
    }
    OK(s);
    printf("accepted: cloexec %d, nonblock %d\n", fcntl(s, F_GETFD) == FD_CLOEXEC,
           (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
    char buf[4];
    errno = 0;
    printf("empty non-blocking read: %s\n", RESULT(read(s, buf, sizeof buf)));
    close(c);
    return 0;
}
