/* exit() from a secondary thread ends the process with its status while main is blocked. */
#include "conf.h"
#include <pthread.h>

static void *worker(void *arg)
{
    (void)arg;
    printf("worker exits the process\n");
    exit(0);
}

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    char c;
    read(fds[0], &c, 1); /* never returns */
    printf("main was not supposed to get here\n");
    return 1;
}
