/* Raw futex FUTEX_WAIT/FUTEX_WAKE between two threads; a wait on a changed value is EAGAIN. */
#include "conf.h"
#include <linux/futex.h>
#include <pthread.h>

static int word;

static long futex(int *uaddr, int op, int val)
{
    return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void *waker(void *arg)
{
    (void)arg;
    sleep_ms(10);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    while (futex(&word, FUTEX_WAKE_PRIVATE, 1) == 0 && __atomic_load_n(&word, __ATOMIC_SEQ_CST) == 1)
        sleep_ms(1);
    return NULL;
}

int main(void)
{
    errno = 0;
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 5);
    printf("wait on wrong value: %ld %s\n", r, conf_errname(errno));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, waker, NULL) == 0);
    while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0)
        futex(&word, FUTEX_WAIT_PRIVATE, 0);
    __atomic_store_n(&word, 2, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    printf("woken, word %d\n", word);
    return 0;
}
