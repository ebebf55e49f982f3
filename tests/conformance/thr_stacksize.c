/* pthread_attr_setstacksize and a guard size: the thread sees the stack size it asked for. */
#include "conf.h"
#include <pthread.h>

static void *worker(void *arg)
{
    (void)arg;
    pthread_attr_t a;
    size_t size = 0;
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstacksize(&a, &size);
    pthread_attr_destroy(&a);
    char buf[32 * 1024];
    memset(buf, 1, sizeof buf);
    return (void *)(size >= 128 * 1024 && size < 1024 * 1024 ? (long)buf[100] : 0L);
}

int main(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    CHECK(pthread_attr_setstacksize(&a, 128 * 1024) == 0);
    CHECK(pthread_attr_setguardsize(&a, 8192) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, &a, worker, NULL) == 0);
    void *r;
    pthread_join(t, &r);
    printf("stack size as asked and usable: %ld\n", (long)r);
    return 0;
}
