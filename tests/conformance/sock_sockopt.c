/* setsockopt/getsockopt: SO_REUSEADDR, TCP_NODELAY, SO_RCVBUF (doubled), SO_TYPE, SO_KEEPALIVE,
 * SO_RCVTIMEO, and an unknown option (ENOPROTOOPT). */
#include "conf_net.h"

static int get_int(int s, int level, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK(getsockopt(s, level, opt, &v, &len) == 0);
    return v;
}

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    OK(s);
    int on = 1;
    OK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    OK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
    OK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on));
    int rcv = 32768;
    OK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv));
    printf("REUSEADDR %d NODELAY %d KEEPALIVE %d\n", get_int(s, SOL_SOCKET, SO_REUSEADDR) != 0,
           get_int(s, IPPROTO_TCP, TCP_NODELAY) != 0, get_int(s, SOL_SOCKET, SO_KEEPALIVE) != 0);
    printf("RCVBUF doubled: %d\n", get_int(s, SOL_SOCKET, SO_RCVBUF) == 2 * rcv);
    printf("SO_TYPE stream: %d, SO_ERROR %d\n", get_int(s, SOL_SOCKET, SO_TYPE) == SOCK_STREAM,
           get_int(s, SOL_SOCKET, SO_ERROR));
    struct timeval tv = {1, 500000}, got;
    OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    socklen_t len = sizeof got;
    OK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    printf("RCVTIMEO %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);
    errno = 0;
    printf("unknown option: %s\n", RESULT(setsockopt(s, SOL_SOCKET, 9999, &on, sizeof on)));
    return 0;
}
