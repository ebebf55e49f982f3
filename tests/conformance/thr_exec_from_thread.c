/* execve from a secondary thread: the other threads go away and the process runs /bin/true. */
#include "conf.h"
#include <pthread.h>

static void *worker(void *arg)
{
    (void)arg;
    char *argv[] = {"true", NULL};
    execv("/bin/true", argv);
    printf("execv failed: %s\n", conf_errname(errno));
    exit(1);
}

int main(void)
{
    printf("starting thread that execs /bin/true\n");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    for (;;)
        pause();
}
