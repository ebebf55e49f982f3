/* pthread_exit's value reaches pthread_join; the main thread can pthread_exit last. */
#include "conf.h"
#include <pthread.h>

static void *worker(void *arg)
{
    if (arg)
        pthread_exit((void *)42L);
    return (void *)7L;
}

int main(void)
{
    pthread_t a, b;
    void *ra, *rb;
    CHECK(pthread_create(&a, NULL, worker, (void *)1L) == 0);
    CHECK(pthread_create(&b, NULL, worker, NULL) == 0);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    printf("pthread_exit value %ld, return value %ld\n", (long)ra, (long)rb);
    printf("join self: %s\n", pthread_join(pthread_self(), NULL) == EDEADLK ? "EDEADLK" : "?");
    return 0;
}
