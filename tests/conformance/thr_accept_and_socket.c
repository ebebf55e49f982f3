/* One thread blocks in accept() while another thread then creates a socket and connects:
 * fd-creating calls of different threads must not wait for each other. (alarm(5) ends the
 * program with SIGALRM if they do, instead of a hang.) */
#include "conf_net.h"
#include <pthread.h>

static int listener;

static void *server(void *arg)
{
    (void)arg;
    int s = accept(listener, NULL, NULL);
    if (s < 0)
        return NULL;
    write_full(s, "served", 6);
    close(s);
    return NULL;
}

int main(void)
{
    alarm(5);
    int port;
    listener = tcp_listener(&port);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, server, NULL) == 0);
    sleep_ms(50); /* the server thread is in accept() by now */
    int c = tcp_connect(port);
    char buf[8] = {0};
    read_full(c, buf, 6);
    pthread_join(t, NULL);
    printf("client got: %s\n", buf);
    return 0;
}
