/* /proc/self/task lists one entry per thread. */
#include "conf.h"
#include <dirent.h>
#include <pthread.h>

static pthread_barrier_t bar;

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    return NULL;
}

static int tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    CHECK(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

int main(void)
{
    printf("tasks alone: %d\n", tasks());
    pthread_barrier_init(&bar, NULL, 4);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
    pthread_barrier_wait(&bar);
    printf("tasks with 3 threads: %d\n", tasks());
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", (int)conf_gettid());
    printf("own task dir exists: %d\n", access(path, F_OK) == 0);
    return 0;
}
