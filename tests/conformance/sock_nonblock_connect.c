/* A non-blocking TCP connect: EINPROGRESS, poll for writability, SO_ERROR 0. */
#include "conf_net.h"
#include <poll.h>

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect: %s\n", r == 0 ? "at once" : errno == EINPROGRESS ? "EINPROGRESS" : "?");
    struct pollfd p = {c, POLLOUT, 0};
    int ready = poll(&p, 1, 2000);
    printf("poll: %d, POLLOUT %d\n", ready, (p.revents & POLLOUT) != 0);
    int err = -1;
    socklen_t len = sizeof err;
    OK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
    printf("SO_ERROR %d\n", err);
    close(l);
    return 0;
}
