/* eventfd as a wake-up between threads: the main thread blocks in poll until a worker
 * writes. */
#include "conf.h"
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>

static int efd;

static void *worker(void *arg)
{
    (void)arg;
    sleep_ms(10);
    uint64_t one = 1;
    if (write(efd, &one, 8) != 8)
        return (void *)1;
    return NULL;
}

int main(void)
{
    efd = eventfd(0, 0);
    OK(efd);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    struct pollfd p = {efd, POLLIN, 0};
    int r = poll(&p, 1, 5000);
    uint64_t v = 0;
    CHECK(read(efd, &v, 8) == 8);
    pthread_join(t, NULL);
    printf("poll woke: %d, value %llu\n", r, (unsigned long long)v);
    return 0;
}
