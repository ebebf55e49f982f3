/* signalfd: blocked signals are read as signalfd_siginfo records (a real-time signal sent
 * twice gives two). */
#include "conf.h"
#include <sys/signalfd.h>

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 2);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    OK(fd);
    OK(raise(SIGUSR1));
    OK(kill(getpid(), SIGRTMIN + 2));
    OK(kill(getpid(), SIGRTMIN + 2));
    struct signalfd_siginfo info[4];
    ssize_t r = read(fd, info, sizeof info);
    CHECK(r > 0);
    int n = r / sizeof info[0];
    printf("records: %d\n", n);
    for (int i = 0; i < n; i++)
        printf("signo %s code %s pid_is_me %d\n",
               info[i].ssi_signo == SIGUSR1 ? "USR1" : "RTMIN+2",
               info[i].ssi_code == SI_USER    ? "SI_USER"
               : info[i].ssi_code == SI_TKILL ? "SI_TKILL"
                                              : "other",
               info[i].ssi_pid == (uint32_t)getpid());
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    r = read(fd, info, sizeof info);
    printf("empty read: %zd %s\n", r, conf_errname(errno));
    return 0;
}
