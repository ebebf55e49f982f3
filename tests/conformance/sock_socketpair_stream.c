/* socketpair(AF_UNIX, SOCK_STREAM): bidirectional byte stream; EOF after close. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write_full(sv[0], "ping", 4);
    char buf[16] = {0};
    read_full(sv[1], buf, 4);
    write_full(sv[1], "pong!", 5);
    char back[16] = {0};
    read_full(sv[0], back, 5);
    printf("%s -> %s\n", buf, back);
    close(sv[1]);
    printf("after peer close: %zd\n", read(sv[0], buf, sizeof buf));
    return 0;
}
