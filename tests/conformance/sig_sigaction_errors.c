/* sigaction refuses SIGKILL, SIGSTOP and out-of-range numbers with EINVAL. */
#include "conf.h"

static void handler(int sig) { (void)sig; }

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    int sigs[] = {SIGKILL, SIGSTOP, 0, 65};
    for (unsigned i = 0; i < 4; i++) {
        errno = 0;
        int r = sigaction(sigs[i], &sa, NULL);
        printf("sigaction(%d): %d %s\n", sigs[i], r, conf_errname(errno));
    }
    return 0;
}
