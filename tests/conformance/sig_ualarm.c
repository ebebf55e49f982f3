/* ualarm delivers SIGALRM; pause() returns EINTR after the handler. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_alarm(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGALRM, on_alarm);
    ualarm(20000, 0);
    int r = pause();
    printf("pause returned %d %s, alarms %d\n", r, conf_errname(errno), (int)hits);
    return 0;
}
