/* sigaltstack + SA_ONSTACK: the handler runs on the alternate stack. */
#include "conf.h"

static char *alt;
static volatile int on_alt = -1, flag_onstack = -1;

static void handler(int sig)
{
    (void)sig;
    char local;
    on_alt = &local >= alt && &local < alt + SIGSTKSZ * 4;
    stack_t cur;
    sigaltstack(NULL, &cur);
    flag_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

int main(void)
{
    alt = malloc(SIGSTKSZ * 4);
    CHECK(alt);
    stack_t ss = {.ss_sp = alt, .ss_size = SIGSTKSZ * 4, .ss_flags = 0};
    OK(sigaltstack(&ss, NULL));
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(raise(SIGUSR1));
    printf("handler on alt stack: %d, SS_ONSTACK inside: %d\n", on_alt, flag_onstack);
    stack_t cur;
    OK(sigaltstack(NULL, &cur));
    printf("outside: SS_ONSTACK %d, size matches %d\n", (cur.ss_flags & SS_ONSTACK) != 0,
           cur.ss_size == (size_t)SIGSTKSZ * 4);
    ss.ss_flags = SS_DISABLE;
    OK(sigaltstack(&ss, NULL));
    OK(sigaltstack(NULL, &cur));
    printf("disabled: %d\n", (cur.ss_flags & SS_DISABLE) != 0);
    return 0;
}
