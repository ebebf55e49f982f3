/* Unnamed POSIX semaphores as a bounded producer/consumer queue. */
#include "conf.h"
#include <pthread.h>
#include <semaphore.h>

#define N 8
static int ring[N], head, tail;
static sem_t slots, items;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 1000; i++) {
        while (sem_wait(&slots) == -1)
            ;
        ring[head++ % N] = i;
        sem_post(&items);
    }
    return NULL;
}

int main(void)
{
    sem_init(&slots, 0, N);
    sem_init(&items, 0, 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, producer, NULL) == 0);
    long sum = 0;
    int ordered = 1, prev = 0;
    for (int i = 0; i < 1000; i++) {
        while (sem_wait(&items) == -1)
            ;
        int v = ring[tail++ % N];
        ordered &= v == prev + 1;
        prev = v;
        sum += v;
        sem_post(&slots);
    }
    pthread_join(t, NULL);
    int val;
    sem_getvalue(&items, &val);
    printf("sum %ld, in order %d, items left %d, trywait: %s\n", sum, ordered, val,
           sem_trywait(&items) == -1 && errno == EAGAIN ? "EAGAIN" : "?");
    return 0;
}
