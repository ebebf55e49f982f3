/* ITIMER_PROF counts user+system CPU time: a busy loop gets SIGPROF. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t got;
static void on_prof(int sig) { (void)sig; got = 1; }

int main(void)
{
    signal(SIGPROF, on_prof);
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_PROF, &it, NULL));
    volatile unsigned long spin = 0;
    long long t0 = mono_ms();
    while (!got && mono_ms() - t0 < 5000)
        for (int i = 0; i < 100000; i++)
            spin++;
    printf("SIGPROF after busy loop: %d\n", (int)got);
    return 0;
}
