/* unshare(CLONE_FS) in a thread lets it chdir without moving the main thread's cwd. */
#include "conf.h"
#include <pthread.h>
#include <sched.h>

static void *worker(void *arg)
{
    (void)arg;
    if (unshare(CLONE_FS) != 0)
        return (void *)(long)errno;
    if (chdir("/") != 0)
        return (void *)(long)errno;
    return NULL;
}

int main(void)
{
    char before[4096], after[4096];
    CHECK(getcwd(before, sizeof before));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    void *r;
    pthread_join(t, &r);
    CHECK(getcwd(after, sizeof after));
    printf("unshare(CLONE_FS) + chdir: %s\n", r ? conf_errname((int)(long)r) : "ok");
    printf("main's cwd unchanged: %d\n", strcmp(before, after) == 0);
    return 0;
}
