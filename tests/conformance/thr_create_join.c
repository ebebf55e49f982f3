/* pthread_create/pthread_join: four threads compute partial sums returned through join. */
#include "conf.h"
#include <pthread.h>

static void *sum(void *arg)
{
    long base = (long)arg, s = 0;
    for (long i = base; i < base + 1000; i++)
        s += i;
    return (void *)s;
}

int main(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, sum, (void *)(i * 1000)) == 0);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        CHECK(pthread_join(t[i], &r) == 0);
        total += (long)r;
    }
    printf("total %ld\n", total);
    return 0;
}
