/* socketpair(SOCK_DGRAM) keeps message boundaries; a short buffer truncates (MSG_TRUNC). */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    OK(send(sv[0], "one", 3, 0));
    OK(send(sv[0], "three", 5, 0));
    OK(send(sv[0], "a longer message", 16, 0));
    char buf[64];
    ssize_t a = recv(sv[1], buf, sizeof buf, 0);
    ssize_t b = recv(sv[1], buf, sizeof buf, 0);
    ssize_t c = recv(sv[1], buf, 4, MSG_TRUNC);
    printf("message sizes %zd %zd, truncated reports %zd\n", a, b, c);
    return 0;
}
