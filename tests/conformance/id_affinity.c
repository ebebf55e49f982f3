/* sched_getaffinity: at least one CPU, no more than the configured count; pinning to the
 * first allowed CPU makes getcpu report it. */
#include "conf.h"
#include <sched.h>

int main(void)
{
    cpu_set_t set;
    OK(sched_getaffinity(0, sizeof set, &set));
    int n = CPU_COUNT(&set);
    printf("allowed cpus >= 1: %d, <= configured: %d\n", n >= 1, n <= sysconf(_SC_NPROCESSORS_CONF));
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
        if (CPU_ISSET(i, &set))
            first = i;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    OK(sched_setaffinity(0, sizeof one, &one));
    unsigned cpu = 99, node = 99;
    OK(syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("pinned: getcpu is the chosen cpu %d, node valid %d\n", (int)cpu == first, node < 64);
    printf("sched_getcpu agrees: %d\n", sched_getcpu() == first);
    OK(sched_setaffinity(0, sizeof set, &set));
    return 0;
}
