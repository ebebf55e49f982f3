/* getsockname/getpeername on both ends of a TCP connection mirror each other. */
#include "conf_net.h"

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    int c = tcp_connect(port);
    struct sockaddr_in peer_of_accept;
    socklen_t alen = sizeof peer_of_accept;
    int s = accept(l, (struct sockaddr *)&peer_of_accept, &alen);
    OK(s);
    struct sockaddr_in cl, cp, sl, sp;
    socklen_t len = sizeof cl;
    OK(getsockname(c, (struct sockaddr *)&cl, &len));
    OK(getpeername(c, (struct sockaddr *)&cp, &len));
    OK(getsockname(s, (struct sockaddr *)&sl, &len));
    OK(getpeername(s, (struct sockaddr *)&sp, &len));
    printf("client local == server peer: %d\n", cl.sin_port == sp.sin_port &&
                                                     cl.sin_addr.s_addr == sp.sin_addr.s_addr);
    printf("client peer == server local: %d, port is the listener's: %d\n",
           cp.sin_port == sl.sin_port, ntohs(sl.sin_port) == port);
    printf("accept's address == peer: %d, loopback: %d\n", peer_of_accept.sin_port == sp.sin_port,
           ntohl(cl.sin_addr.s_addr) == INADDR_LOOPBACK);
    errno = 0;
    printf("getpeername on listener: %s\n", RESULT(getpeername(l, (struct sockaddr *)&cp, &len)));
    return 0;
}
