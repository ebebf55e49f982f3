/* ITIMER_VIRTUAL counts user CPU time: a busy loop without system calls gets
 * SIGVTALRM. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t got;
static void on_vt(int sig) { (void)sig; got = 1; }

int main(void)
{
    signal(SIGVTALRM, on_vt);
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
    alarm(10); /* default action: a lost signal ends the run instead of hanging it */
    volatile unsigned long spin = 0;
    while (!got) /* no system call in the loop */
        spin++;
    printf("SIGVTALRM after busy loop: %d\n", (int)got);
    return 0;
}
