/* ITIMER_VIRTUAL counts user CPU time: a busy loop gets SIGVTALRM. */
#include "conf.h"
#include <sys/time.h>

static volatile sig_atomic_t got;
static void on_vt(int sig) { (void)sig; got = 1; }

int main(void)
{
    signal(SIGVTALRM, on_vt);
    struct itimerval it = {{0, 0}, {0, 20000}};
    OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
    volatile unsigned long spin = 0;
    long long t0 = mono_ms();
    while (!got && mono_ms() - t0 < 5000)
        for (int i = 0; i < 100000; i++)
            spin++;
    printf("SIGVTALRM after busy loop: %d\n", (int)got);
    return 0;
}
