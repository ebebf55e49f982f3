/* Threads read their own id while holding a lock they take in whatever order the scheduler
 * gives (CPython does so with its GIL at every thread's start). */
#define _GNU_SOURCE
#include "conf.h"
#include <pthread.h>
#include <sys/syscall.h>

#define THREADS 4
#define ROUNDS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long same[THREADS];

static void *worker(void *arg)
{
    long i = (long)arg;
    pid_t first = (pid_t)syscall(SYS_gettid);
    for (int r = 0; r < ROUNDS; r++) {
        pthread_mutex_lock(&lock);
        if ((pid_t)syscall(SYS_gettid) == first && getpid() != first)
            same[i]++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += same[i];
    }
    printf("own id read under the lock %ld times, always its own\n", total);
    return 0;
}
