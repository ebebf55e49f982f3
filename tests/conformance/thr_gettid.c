/* gettid: the main thread's tid is the pid; other threads have their own, all distinct. */
#include "conf.h"
#include <pthread.h>

static pid_t tids[4];

static void *worker(void *arg)
{
    tids[(long)arg] = conf_gettid();
    return NULL;
}

int main(void)
{
    printf("main: gettid == getpid: %d\n", conf_gettid() == getpid());
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int distinct = 1;
    for (int i = 0; i < 4; i++) {
        if (tids[i] == getpid() || tids[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j])
                distinct = 0;
    }
    printf("worker tids distinct and not the pid: %d\n", distinct);
    return 0;
}
