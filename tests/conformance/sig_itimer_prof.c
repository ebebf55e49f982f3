/* ITIMER_PROF counts user+system CPU time: a busy loop without system calls gets
 * SIGPROF. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t got;
static void on_prof(int sig) { (void)sig; got = 1; }

int main(void)
{
    signal(SIGPROF, on_prof);
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_PROF, &it, NULL));
    alarm(10); /* default action: a lost signal ends the run instead of hanging it */
    volatile unsigned long spin = 0;
    while (!got) /* no system call in the loop */
        spin++;
    printf("SIGPROF after busy loop: %d\n", (int)got);
    return 0;
}
