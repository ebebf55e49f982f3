/* 64 threads at once, each adding its index atomically. */
#include "conf.h"
#include <pthread.h>

static long total;

static void *worker(void *arg)
{
    __atomic_fetch_add(&total, (long)arg, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void)
{
    pthread_t t[64];
    for (long i = 0; i < 64; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < 64; i++)
        pthread_join(t[i], NULL);
    printf("total %ld\n", total);
    return 0;
}
