/* __thread variables are per thread, initialised from the TLS image. */
#include "conf.h"
#include <pthread.h>

static __thread int tls = 5;
static __thread char tls_buf[64] = "init";

static void *worker(void *arg)
{
    long id = (long)arg;
    int start = tls;
    tls += (int)id;
    snprintf(tls_buf, sizeof tls_buf, "thread %ld", id);
    sched_yield();
    return (void *)(long)(start * 1000 + tls);
}

int main(void)
{
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 1)) == 0);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d saw start*1000+final = %ld\n", i + 1, (long)r);
    }
    printf("main tls %d buf %s\n", tls, tls_buf);
    return 0;
}
