/* TCP on loopback between a forked server child and its parent; 1 MiB each way. */
#include "conf_net.h"

int main(void)
{
    int port;
    int l = tcp_listener(&port);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        int s = accept(l, NULL, NULL);
        if (s < 0)
            _exit(1);
        static char buf[65536];
        long total = 0;
        ssize_t n;
        while ((n = read(s, buf, sizeof buf)) > 0) {
            write_full(s, buf, n);
            total += n;
        }
        _exit(total == 1 << 20 ? 0 : 2);
    }
    close(l);
    int c = tcp_connect(port);
    static char out[1 << 20], in[1 << 20];
    for (int i = 0; i < 1 << 20; i++)
        out[i] = (char)(i * 31);
    /* send in 64 KiB pieces, read the echo as we go so neither side blocks */
    long sent = 0, got = 0;
    while (sent < 1 << 20) {
        write_full(c, out + sent, 65536);
        sent += 65536;
        read_full(c, in + got, 65536);
        got += 65536;
    }
    shutdown(c, SHUT_WR);
    printf("echoed 1 MiB intact: %d\n", memcmp(in, out, sizeof out) == 0);
    printf("server %s\n", status_str(wait_child(pid)));
    return 0;
}
