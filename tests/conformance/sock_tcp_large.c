/* 16 MiB over one TCP connection between two threads; the checksum survives. */
#include "conf_net.h"
#include <pthread.h>

#define TOTAL (16u << 20)
static int listener;

static void *sender(void *arg)
{
    (void)arg;
    int s = accept(listener, NULL, NULL);
    static unsigned char buf[100003];
    unsigned x = 99;
    unsigned long sent = 0;
    while (sent < TOTAL) {
        size_t n = sizeof buf < TOTAL - sent ? sizeof buf : TOTAL - sent;
        for (size_t i = 0; i < n; i++)
            buf[i] = (x = x * 69069 + 1) >> 24;
        write_full(s, buf, n);
        sent += n;
    }
    close(s);
    return NULL;
}

int main(void)
{
    int port;
    listener = tcp_listener(&port);
    int c = tcp_connect(port); /* before the thread accepts: see thr_accept_and_socket */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sender, NULL) == 0);
    static unsigned char buf[65536];
    unsigned x = 99, ok = 1;
    unsigned long got = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            ok &= buf[i] == (unsigned char)((x = x * 69069 + 1) >> 24);
        got += n;
    }
    pthread_join(t, NULL);
    printf("received %lu bytes, intact %u\n", got, ok);
    return 0;
}
