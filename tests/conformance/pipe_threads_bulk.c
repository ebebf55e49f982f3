/* 8 MiB through a pipe between two threads, in uneven chunks; the checksum survives. */
#include "conf.h"
#include <pthread.h>

static int fds[2];

static void *writer(void *arg)
{
    (void)arg;
    static unsigned char buf[50000];
    unsigned long sent = 0;
    unsigned x = 7;
    while (sent < 8u << 20) {
        size_t n = 1 + (sent * 7) % sizeof buf;
        if (n > (8u << 20) - sent)
            n = (8u << 20) - sent;
        for (size_t i = 0; i < n; i++)
            buf[i] = (x = x * 1664525 + 1013904223) >> 24;
        for (size_t off = 0; off < n;) {
            ssize_t w = write(fds[1], buf + off, n - off);
            if (w <= 0)
                return NULL;
            off += w;
        }
        sent += n;
    }
    close(fds[1]);
    return NULL;
}

int main(void)
{
    OK(pipe(fds));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
    static unsigned char buf[65536];
    unsigned long got = 0, sum = 0;
    unsigned x = 7, ok = 1;
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            unsigned char want = (x = x * 1664525 + 1013904223) >> 24;
            ok &= buf[i] == want;
            sum += buf[i];
        }
        got += n;
    }
    pthread_join(t, NULL);
    printf("received %lu bytes, all as sent: %u\n", got, ok);
    return 0;
}
