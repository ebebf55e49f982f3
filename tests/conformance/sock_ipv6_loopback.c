/* TCP over the IPv6 loopback (::1), where the machine has it. */
#include "conf_net.h"

int main(void)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("no IPv6 loopback here\n");
        return 0;
    }
    OK(listen(l, 1));
    socklen_t len = sizeof a;
    OK(getsockname(l, (struct sockaddr *)&a, &len));
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    OK(connect(c, (struct sockaddr *)&a, sizeof a));
    int s = accept(l, NULL, NULL);
    OK(s);
    write_full(c, "v6", 2);
    char buf[4] = {0};
    read_full(s, buf, 2);
    printf("over ::1: %s\n", buf);
    return 0;
}
