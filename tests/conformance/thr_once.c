/* pthread_once runs its routine once whatever the number of threads calling it. */
#include "conf.h"
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int inits;
static void init(void) { inits++; }
static void *worker(void *arg) { (void)arg; pthread_once(&once, init); return NULL; }

int main(void)
{
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    pthread_once(&once, init);
    printf("init ran %d time(s)\n", inits);
    return 0;
}
