/* POSIX message queues: mq_open, mq_send with priorities, mq_receive highest first,
 * mq_getattr, mq_unlink. */
#include "conf.h"
#include <mqueue.h>

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/conf-mq-%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 32};
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (q == (mqd_t)-1) {
        printf("mq_open: %s\n", conf_errname(errno));
        return 0;
    }
    mq_unlink(name);
    OK(mq_send(q, "low", 3, 1));
    OK(mq_send(q, "high", 4, 9));
    struct mq_attr now;
    OK(mq_getattr(q, &now));
    printf("curmsgs %ld, maxmsg %ld\n", now.mq_curmsgs, now.mq_maxmsg);
    char buf[32] = {0};
    unsigned prio;
    ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
    printf("first: %.*s prio %u\n", (int)n, buf, prio);
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("second: %.*s prio %u\n", (int)n, buf, prio);
    return 0;
}
