/* pthread_cancel of a thread blocked in read(): it ends with PTHREAD_CANCELED and its cleanup
 * handler runs. */
#include "conf.h"
#include <pthread.h>

static int fds[2];
static volatile int cleaned;
static pthread_barrier_t bar;

static void cleanup(void *arg) { (void)arg; cleaned = 1; }

static void *worker(void *arg)
{
    (void)arg;
    char c;
    pthread_cleanup_push(cleanup, NULL);
    pthread_barrier_wait(&bar);
    if (read(fds[0], &c, 1) < 0)
        return NULL;
    pthread_cleanup_pop(0);
    return NULL;
}

int main(void)
{
    OK(pipe(fds));
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    pthread_barrier_wait(&bar);
    sleep_ms(20);
    CHECK(pthread_cancel(t) == 0);
    void *r;
    pthread_join(t, &r);
    printf("canceled: %d, cleanup ran: %d\n", r == PTHREAD_CANCELED, cleaned);
    return 0;
}
