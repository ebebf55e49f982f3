/* pthread_kill targets one thread: the handler records which thread ran it in TLS. */
#include "conf.h"
#include <pthread.h>

static __thread volatile sig_atomic_t got;
static volatile int worker_got;
static pthread_barrier_t bar;

static void handler(int sig) { (void)sig; got++; }

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&bar);
    while (!got)
        sched_yield();
    worker_got = got;
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, handler);
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    pthread_barrier_wait(&bar);
    CHECK(pthread_kill(t, SIGUSR1) == 0);
    pthread_join(t, NULL);
    printf("worker got %d, main got %d\n", worker_got, (int)got);
    printf("pthread_kill(self, 0): %d\n", pthread_kill(pthread_self(), 0));
    return 0;
}
