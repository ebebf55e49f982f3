/* Integer division by zero raises SIGFPE with FPE_INTDIV. */
#include "conf.h"
#include <setjmp.h>

static sigjmp_buf env;
static volatile int code;

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    code = si->si_code;
    siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
    (void)argv;
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGFPE, &sa, NULL));
    volatile int zero = argc - 1;
    if (sigsetjmp(env, 1) == 0) {
        volatile int x = 10 / zero;
        (void)x;
        printf("no fault?\n");
        return 1;
    }
    printf("caught SIGFPE: FPE_INTDIV %d\n", code == FPE_INTDIV);
    return 0;
}
