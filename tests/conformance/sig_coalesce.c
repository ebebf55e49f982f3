/* Standard signals do not queue: two raises (thread-directed) and two kills
 * (process-directed) while blocked give one delivery from each pending set. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_usr1(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGUSR1, on_usr1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    OK(raise(SIGUSR1));
    OK(raise(SIGUSR1));
    OK(kill(getpid(), SIGUSR1));
    OK(kill(getpid(), SIGUSR1));
    OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    printf("deliveries: %d\n", (int)hits);
    return 0;
}
