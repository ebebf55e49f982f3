/* A robust mutex whose owner thread exits holding it: the next locker gets EOWNERDEAD,
 * makes it consistent and can use it again. */
#include "conf.h"
#include <pthread.h>

static pthread_mutex_t m;

static void *owner(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    return NULL; /* exits holding it */
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    CHECK(pthread_mutex_init(&m, &a) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, owner, NULL) == 0);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : conf_errname(r));
    CHECK(pthread_mutex_consistent(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0);
    printf("relock: %d\n", pthread_mutex_lock(&m));
    pthread_mutex_unlock(&m);
    return 0;
}
