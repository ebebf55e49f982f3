/* Two threads take turns through a condition variable 200 times. */
#include "conf.h"
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds;

static void *player(void *arg)
{
    int me = (int)(long)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&m);
        while (turn != me)
            pthread_cond_wait(&cv, &m);
        rounds++;
        turn = !me;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    CHECK(pthread_create(&a, NULL, player, (void *)0L) == 0);
    CHECK(pthread_create(&b, NULL, player, (void *)1L) == 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("rounds %d, final turn %d\n", rounds, turn);
    return 0;
}
