/* pthread_rwlock: readers share, a writer excludes; tryrdlock fails while written. */
#include "conf.h"
#include <pthread.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long data;

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        pthread_rwlock_wrlock(&rw);
        data++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    long last = 0;
    int monotonic = 1;
    for (int i = 0; i < 5000; i++) {
        pthread_rwlock_rdlock(&rw);
        if (data < last)
            monotonic = 0;
        last = data;
        pthread_rwlock_unlock(&rw);
    }
    return (void *)(long)monotonic;
}

int main(void)
{
    pthread_t w[2], r[2];
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_create(&w[i], NULL, writer, NULL) == 0);
        CHECK(pthread_create(&r[i], NULL, reader, NULL) == 0);
    }
    int mono = 1;
    for (int i = 0; i < 2; i++) {
        void *x;
        pthread_join(w[i], NULL);
        pthread_join(r[i], &x);
        mono &= (int)(long)x;
    }
    printf("data %ld, readers saw it grow monotonically: %d\n", data, mono);
    pthread_rwlock_wrlock(&rw);
    printf("tryrdlock while write-locked: %s\n",
           pthread_rwlock_tryrdlock(&rw) == EBUSY ? "EBUSY" : "?");
    pthread_rwlock_unlock(&rw);
    return 0;
}
