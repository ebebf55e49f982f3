/* ud2 raises SIGILL with ILL_ILLOPN; the handler skips the instruction through the context. */
#include "conf.h"
#include <ucontext.h>

static volatile int hits, code;

static void on_ill(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    hits++;
    code = si->si_code;
    uc->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGILL, &sa, NULL));
    __asm__ volatile("ud2");
    printf("resumed after ud2: hits %d, ILL_ILLOPN %d\n", hits, code == ILL_ILLOPN);
    return 0;
}
