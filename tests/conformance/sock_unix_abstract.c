/* Abstract-namespace unix sockets (no file): bind, connect, exchange. */
#include "conf_net.h"

int main(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "conf-abstract-%d", (int)getpid());
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(bind(l, (struct sockaddr *)&a, len));
    OK(listen(l, 1));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(connect(c, (struct sockaddr *)&a, len));
    int s = accept(l, NULL, NULL);
    OK(s);
    write_full(s, "abstract", 8);
    char buf[16] = {0};
    read_full(c, buf, 8);
    printf("client got: %s\n", buf);
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    OK(getsockname(l, (struct sockaddr *)&got, &glen));
    printf("abstract name: leading NUL %d, same length %d\n", got.sun_path[0] == 0, glen == len);
    return 0;
}
