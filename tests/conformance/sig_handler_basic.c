/* sigaction with a handler; raise() runs it before returning. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_usr1(int sig) { hits += sig == SIGUSR1; }

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(raise(SIGUSR1));
    OK(raise(SIGUSR1));
    printf("handler ran %d times\n", (int)hits);
    struct sigaction old;
    OK(sigaction(SIGUSR1, NULL, &old));
    printf("disposition kept: %s\n", old.sa_handler == on_usr1 ? "yes" : "no");
    return 0;
}
