/* shutdown(SHUT_WR) gives the peer EOF while the other direction still works; SHUT_RD. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(shutdown(sv[0], SHUT_WR));
    char buf[8];
    printf("peer reads EOF: %zd\n", read(sv[1], buf, sizeof buf));
    write_full(sv[1], "back", 4);
    printf("other direction: %zd\n", read(sv[0], buf, sizeof buf));
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    printf("write after SHUT_WR: %s\n", RESULT(write(sv[0], "x", 1)));
    errno = 0;
    printf("shutdown a non-socket: %s\n", RESULT(shutdown(0, SHUT_RD)));
    return 0;
}
