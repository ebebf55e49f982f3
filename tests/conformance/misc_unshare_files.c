/* unshare(CLONE_FILES) in a thread gives it a private fd table: its close does not affect the
 * main thread. */
#include "conf.h"
#include <pthread.h>
#include <sched.h>

static int fd;

static void *worker(void *arg)
{
    (void)arg;
    long r = unshare(CLONE_FILES);
    if (r != 0)
        return (void *)(long)errno;
    close(fd);
    return NULL;
}

int main(void)
{
    fd = open("/dev/null", O_RDONLY);
    OK(fd);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    void *r;
    pthread_join(t, &r);
    printf("unshare(CLONE_FILES): %s\n", r ? conf_errname((int)(long)r) : "ok");
    printf("main's fd still open: %d\n", fcntl(fd, F_GETFD) != -1);
    return 0;
}
