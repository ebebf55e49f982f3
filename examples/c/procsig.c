/* Process-directed signals in a multi-threaded process: workers make syscalls while
 * the main thread sends SIGUSR1 to the process 20 times (kill, so the kernel picks the thread
 * that takes it) and waits on a semaphore the handler posts. Prints how many times the handler
 * ran: 20, in every variant. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static atomic_int handled;
static sem_t done;

static void on_usr1(int sig) {
    (void)sig;
    atomic_fetch_add(&handled, 1);
    sem_post(&done);
}

/* A fixed number of rounds: how long workers run must not depend on the other threads. */
static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 300; i++) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
        (void)getppid();
    }
    return NULL;
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sem_init(&done, 0, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 20; i++) {
        kill(getpid(), SIGUSR1);
        while (sem_wait(&done) != 0)
            ; /* EINTR: the handler ran in this thread */
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("handled %d\n", atomic_load(&handled));
    return 0;
}
