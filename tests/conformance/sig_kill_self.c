/* kill(getpid()) runs the handler before kill returns; kill(pid, 0) checks existence. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_usr2(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR2, on_usr2);
    OK(kill(getpid(), SIGUSR2));
    printf("handled before kill returned: %d\n", (int)hits);
    printf("kill(self, 0): %d\n", kill(getpid(), 0));
    errno = 0;
    int r = kill(getpid(), 999);
    printf("kill(self, 999): %d %s\n", r, conf_errname(errno));
    return 0;
}
