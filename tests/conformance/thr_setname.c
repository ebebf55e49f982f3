/* pthread_setname_np / pthread_getname_np on the calling thread and on another thread. */
#include "conf.h"
#include <pthread.h>

static pthread_barrier_t bar;

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&bar); /* named by main */
    char name[16];
    pthread_getname_np(pthread_self(), name, sizeof name);
    printf("worker sees its name: %s\n", name);
    CHECK(pthread_setname_np(pthread_self(), "self-named") == 0);
    pthread_getname_np(pthread_self(), name, sizeof name);
    printf("worker renamed itself: %s\n", name);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar); /* main reads the name while this thread lives */
    return NULL;
}

int main(void)
{
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    CHECK(pthread_setname_np(t, "conf-worker") == 0);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    char name[16];
    CHECK(pthread_getname_np(t, name, sizeof name) == 0);
    printf("main reads worker name: %s\n", name);
    pthread_barrier_wait(&bar);
    CHECK(pthread_setname_np(pthread_self(), "conf-main") == 0);
    pthread_getname_np(pthread_self(), name, sizeof name);
    printf("main name: %s\n", name);
    printf("too long: %d\n", pthread_setname_np(pthread_self(), "a-name-longer-than-15") == ERANGE);
    pthread_join(t, NULL);
    return 0;
}
