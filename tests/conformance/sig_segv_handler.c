/* A SIGSEGV handler gets the faulting address and leaves with siglongjmp. */
#include "conf.h"
#include <setjmp.h>

static sigjmp_buf env;
static volatile int addr_ok, code_ok;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    addr_ok = si->si_addr == (void *)16;
    code_ok = si->si_code == SEGV_MAPERR;
    siglongjmp(env, 1);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGSEGV, &sa, NULL));
    if (sigsetjmp(env, 1) == 0) {
        volatile int *volatile p = (volatile int *)16;
        *p = 1;
        printf("no fault?\n");
        return 1;
    }
    printf("caught SIGSEGV: addr %d, SEGV_MAPERR %d\n", addr_ok, code_ok);
    return 0;
}
