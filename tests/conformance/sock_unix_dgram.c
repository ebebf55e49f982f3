/* Named unix datagram sockets: sendto/recvfrom with the sender's address. */
#include "conf_net.h"

int main(void)
{
    enter_tmpdir("sock_unix_dgram");
    struct sockaddr_un sa, ca, from;
    socklen_t slen = unix_addr(&sa, "server"), clen = unix_addr(&ca, "client");
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    OK(bind(s, (struct sockaddr *)&sa, slen));
    OK(bind(c, (struct sockaddr *)&ca, clen));
    OK(sendto(c, "datagram", 8, 0, (struct sockaddr *)&sa, slen));
    char buf[32] = {0};
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    printf("got %zd: %s from %s\n", n, buf, from.sun_path);
    OK(sendto(s, "reply", 5, 0, (struct sockaddr *)&from, flen));
    memset(buf, 0, sizeof buf);
    n = recv(c, buf, sizeof buf, 0);
    printf("client got %zd: %s\n", n, buf);
    return 0;
}
