/* The signal mask is per thread: a thread's pthread_sigmask does not change main's, and a
 * new thread inherits its creator's mask. */
#include "conf.h"
#include <pthread.h>

static int inherited, after_change;

static void *worker(void *arg)
{
    (void)arg;
    sigset_t cur, add;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    inherited = sigismember(&cur, SIGUSR1);
    sigemptyset(&add);
    sigaddset(&add, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &add, NULL);
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    after_change = sigismember(&cur, SIGUSR2);
    return NULL;
}

int main(void)
{
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    printf("inherited USR1 block: %d, worker blocked USR2: %d, main USR2 blocked: %d\n", inherited,
           after_change, sigismember(&cur, SIGUSR2));
    return 0;
}
