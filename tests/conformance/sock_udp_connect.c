/* A connected UDP socket: send/recv without addresses; a datagram to a closed port gives
 * ECONNREFUSED on the next call. */
#include "conf_net.h"

int main(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    OK(bind(b, (struct sockaddr *)&sa, sizeof sa));
    socklen_t len = sizeof sa;
    OK(getsockname(b, (struct sockaddr *)&sa, &len));
    OK(connect(a, (struct sockaddr *)&sa, sizeof sa));
    OK(send(a, "connected", 9, 0));
    char buf[16] = {0};
    printf("recv: %zd %s\n", recv(b, buf, sizeof buf, 0), buf);
    close(b);
    OK(send(a, "again", 5, 0));
    sleep_ms(20);
    errno = 0;
    printf("after the peer closed: %s\n", RESULT(recv(a, buf, sizeof buf, MSG_DONTWAIT)));
    return 0;
}
