/* A process-directed signal in a threaded process goes to the thread that does not block it. */
#include "conf.h"
#include <pthread.h>

static pid_t worker_tid;
static volatile pid_t handler_tid;
static volatile sig_atomic_t done;

static void handler(int sig)
{
    (void)sig;
    handler_tid = conf_gettid();
    done = 1;
}

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = conf_gettid();
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    while (!done)
        pause();
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, handler);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    while (!__atomic_load_n(&worker_tid, __ATOMIC_SEQ_CST))
        sched_yield();
    OK(kill(getpid(), SIGUSR1));
    pthread_join(t, NULL);
    printf("handled in worker: %d, not in main: %d\n", handler_tid == worker_tid,
           handler_tid != getpid());
    return 0;
}
