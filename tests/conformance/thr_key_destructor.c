/* pthread_key destructors run at thread exit with the thread's value. */
#include "conf.h"
#include <pthread.h>

static pthread_key_t key;
static int destroyed_sum;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void destroy(void *v)
{
    pthread_mutex_lock(&m);
    destroyed_sum += (int)(long)v;
    pthread_mutex_unlock(&m);
}

static void *worker(void *arg)
{
    pthread_setspecific(key, arg);
    return pthread_getspecific(key);
}

int main(void)
{
    CHECK(pthread_key_create(&key, destroy) == 0);
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 10)) == 0);
    long got = 0;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        got += (long)r;
    }
    printf("values %ld, destructors summed %d, main's value null: %d\n", got, destroyed_sum,
           pthread_getspecific(key) == NULL);
    pthread_key_delete(key);
    return 0;
}
