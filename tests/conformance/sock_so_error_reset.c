/* Closing a socket with unread data sends RST: the peer's read fails with ECONNRESET. */
#include "conf_net.h"

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    int c = tcp_connect(port);
    int s = accept(l, NULL, NULL);
    OK(s);
    write_full(c, "unread", 6);
    sleep_ms(10);
    close(s); /* data unread: RST */
    sleep_ms(10);
    char buf[8];
    errno = 0;
    printf("read after RST: %s\n", RESULT(read(c, buf, sizeof buf)));
    return 0;
}
