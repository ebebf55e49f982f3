/* TCP on loopback in one process: a server thread echoes what a client sends. */
#include "conf_net.h"
#include <pthread.h>

static int listener;

static void *server(void *arg)
{
    (void)arg;
    int s = accept(listener, NULL, NULL);
    if (s < 0)
        return NULL;
    char buf[256];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0)
        write_full(s, buf, n);
    close(s);
    return NULL;
}

int main(void)
{
    int port;
    listener = tcp_listener(&port);
    int c = tcp_connect(port); /* before the thread accepts: see thr_accept_and_socket */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, server, NULL) == 0);
    for (int i = 0; i < 3; i++) {
        char msg[32], buf[32] = {0};
        int len = snprintf(msg, sizeof msg, "message %d", i);
        write_full(c, msg, len);
        read_full(c, buf, len);
        printf("echo: %s\n", buf);
    }
    OK(shutdown(c, SHUT_WR));
    char buf[8];
    printf("after shutdown: %zd\n", read(c, buf, sizeof buf));
    pthread_join(t, NULL);
    return 0;
}
