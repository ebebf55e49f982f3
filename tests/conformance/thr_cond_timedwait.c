/* pthread_cond_timedwait with nobody signalling times out with ETIMEDOUT. */
#include "conf.h"
#include <pthread.h>

int main(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    long long t0 = mono_ms();
    int r = pthread_cond_timedwait(&cv, &m, &ts);
    long long dt = mono_ms() - t0;
    pthread_mutex_unlock(&m);
    printf("timedwait: %s, waited >= 15ms: %d\n", conf_errname(r), dt >= 15);
    return 0;
}
