/* O_CLOEXEC and FD_CLOEXEC: the descriptor is gone in an exec'ed shell, the other stays. */
#include "conf.h"

int main(void)
{
    int keep = open("/dev/null", O_RDONLY);
    int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
    OK(keep);
    OK(gone);
    int k = dup2(keep, 40), g = dup2(gone, 41);
    OK(k);
    OK(g);
    OK(fcntl(g, F_SETFD, FD_CLOEXEC));
    printf("F_GETFD: keep %d, gone %d\n", fcntl(k, F_GETFD), fcntl(g, F_GETFD));
    fflush(stdout);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c",
              "if [ -e /proc/self/fd/40 ]; then echo fd40 open; else echo fd40 closed; fi; "
              "if [ -e /proc/self/fd/41 ]; then echo fd41 open; else echo fd41 closed; fi",
              (char *)NULL);
        _exit(127);
    }
    printf("shell %s\n", status_str(wait_child(pid)));
    return 0;
}
