/* A detached thread cannot be joined (EINVAL) and reports through a semaphore. */
#include "conf.h"
#include <pthread.h>
#include <semaphore.h>

static sem_t done;
static int value;

static void *worker(void *arg)
{
    (void)arg;
    value = 99;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    CHECK(sem_init(&done, 0, 0) == 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    CHECK(pthread_create(&t, &attr, worker, NULL) == 0);
    while (sem_wait(&done) == -1 && errno == EINTR)
        ;
    printf("detached thread set %d\n", value);
    pthread_t t2;
    CHECK(pthread_create(&t2, NULL, worker, NULL) == 0);
    CHECK(pthread_detach(t2) == 0);
    while (sem_wait(&done) == -1 && errno == EINTR)
        ;
    printf("pthread_detach after create: ok\n");
    return 0;
}
