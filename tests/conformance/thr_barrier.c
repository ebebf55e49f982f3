/* pthread_barrier_wait: 4 threads, 5 rounds; exactly one SERIAL_THREAD per round. */
#include "conf.h"
#include <pthread.h>

static pthread_barrier_t bar;
static int serial[5];
static int arrived[5];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    for (int r = 0; r < 5; r++) {
        pthread_mutex_lock(&m);
        arrived[r]++;
        pthread_mutex_unlock(&m);
        int x = pthread_barrier_wait(&bar);
        if (x == PTHREAD_BARRIER_SERIAL_THREAD) {
            pthread_mutex_lock(&m);
            serial[r]++;
            pthread_mutex_unlock(&m);
        }
    }
    return NULL;
}

int main(void)
{
    CHECK(pthread_barrier_init(&bar, NULL, 4) == 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int r = 0; r < 5; r++)
        printf("round %d: arrived %d serial %d\n", r, arrived[r], serial[r]);
    return 0;
}
