/* UDP on loopback: sendto/recvfrom between two sockets, the source address is right. */
#include "conf_net.h"

int main(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    OK(a);
    OK(b);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    OK(bind(a, (struct sockaddr *)&sa, sizeof sa));
    OK(bind(b, (struct sockaddr *)&sa, sizeof sa));
    struct sockaddr_in aa, ba;
    socklen_t len = sizeof aa;
    OK(getsockname(a, (struct sockaddr *)&aa, &len));
    len = sizeof ba;
    OK(getsockname(b, (struct sockaddr *)&ba, &len));
    for (int i = 0; i < 5; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof msg, "dgram %d", i);
        OK(sendto(a, msg, n, 0, (struct sockaddr *)&ba, sizeof ba));
    }
    int ok = 0;
    for (int i = 0; i < 5; i++) {
        char buf[32] = {0};
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        char want[16];
        snprintf(want, sizeof want, "dgram %d", i);
        ok += n > 0 && strcmp(buf, want) == 0 && from.sin_port == aa.sin_port;
    }
    printf("datagrams received in order from the sender: %d of 5\n", ok);
    return 0;
}
