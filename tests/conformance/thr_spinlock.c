/* pthread_spin_lock protects a counter shared by three threads. */
#include "conf.h"
#include <pthread.h>

static pthread_spinlock_t sl;
static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        pthread_spin_lock(&sl);
        counter++;
        pthread_spin_unlock(&sl);
    }
    return NULL;
}

int main(void)
{
    pthread_spin_init(&sl, PTHREAD_PROCESS_PRIVATE);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("counter %ld\n", counter);
    return 0;
}
