/* timer_create(SIGEV_THREAD): the notification function runs in a new thread. */
#include "conf.h"
#include <pthread.h>
#include <semaphore.h>

static sem_t fired;
static volatile int value, other_thread;
static pid_t main_tid;

static void notify(union sigval v)
{
    value = v.sival_int;
    other_thread = conf_gettid() != main_tid;
    sem_post(&fired);
}

int main(void)
{
    main_tid = conf_gettid();
    sem_init(&fired, 0, 0);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = notify;
    sev.sigev_value.sival_int = 77;
    timer_t t;
    OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 0}, {0, 10 * 1000000}};
    OK(timer_settime(t, 0, &its, NULL));
    while (sem_wait(&fired) == -1 && errno == EINTR)
        ;
    printf("notified with %d in another thread: %d\n", value, other_thread);
    OK(timer_delete(t));
    return 0;
}
