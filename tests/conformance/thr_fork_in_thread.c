/* fork from a secondary thread: the child has only that thread and exits; the thread reaps it. */
#include "conf.h"
#include <pthread.h>

static void *worker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        _exit(9);
    return (void *)(long)wait_child(pid);
}

int main(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    void *st;
    pthread_join(t, &st);
    printf("child of thread: %s\n", status_str((int)(long)st));
    return 0;
}
