/* connect to a port nobody listens on: ECONNREFUSED. */
#include "conf_net.h"

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    close(l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    errno = 0;
    printf("connect: %s\n", RESULT(connect(c, (struct sockaddr *)&a, sizeof a)));
    enter_tmpdir("sock_connrefused");
    struct sockaddr_un u;
    socklen_t ulen = unix_addr(&u, "nobody.sock");
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    printf("unix, no such socket: %s\n", RESULT(connect(us, (struct sockaddr *)&u, ulen)));
    return 0;
}
