/* A producer thread leaves work in memory and then wakes the consumer thread through a pipe
 * (memcached's dispatcher and workers, libevent thread pools): the consumer must find the
 * work there every time it is woken. */
#include "conf.h"
#include <pthread.h>
#include <sys/epoll.h>

#define ITEMS 300

static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int queued; /* items left by the producer and not yet taken */

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&lock);
        queued++;
        pthread_mutex_unlock(&lock);
        if (write(pipefd[1], "x", 1) != 1)
            return (void *)1;
    }
    return NULL;
}

int main(void)
{
    OK(pipe(pipefd));
    int ep = epoll_create1(0);
    OK(ep);
    struct epoll_event ev = {.events = EPOLLIN};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, producer, NULL) == 0);
    int taken = 0, empty = 0;
    while (taken < ITEMS) {
        struct epoll_event got;
        if (epoll_wait(ep, &got, 1, 5000) != 1)
            break;
        char c;
        CHECK(read(pipefd[0], &c, 1) == 1);
        pthread_mutex_lock(&lock);
        int here = queued;
        if (here > 0)
            queued--;
        pthread_mutex_unlock(&lock);
        if (here > 0) {
            taken++;
        } else {
            /* Woken with nothing there: a different call than on the normal path. */
            empty++;
            CHECK(getppid() > 0);
        }
    }
    pthread_join(t, NULL);
    printf("taken %d, woken with nothing queued %d\n", taken, empty);
    return 0;
}
