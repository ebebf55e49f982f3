/* Scheduler queries: SCHED_OTHER, priority ranges, sched_yield, nice up (never down). */
#include "conf.h"
#include <sched.h>
#include <sys/resource.h>

int main(void)
{
    printf("policy OTHER: %d\n", sched_getscheduler(0) == SCHED_OTHER);
    printf("FIFO priority range: %d..%d\n", sched_get_priority_min(SCHED_FIFO),
           sched_get_priority_max(SCHED_FIFO));
    struct sched_param sp;
    OK(sched_getparam(0, &sp));
    printf("priority %d\n", sp.sched_priority);
    printf("sched_yield: %s\n", RESULT(sched_yield()));
    int before = getpriority(PRIO_PROCESS, 0);
    OK(setpriority(PRIO_PROCESS, 0, before + 1));
    printf("nice raised by 1: %d\n", getpriority(PRIO_PROCESS, 0) == before + 1);
    struct timespec rr;
    printf("rr_interval: %s\n", RESULT(sched_rr_get_interval(0, &rr)));
    return 0;
}
