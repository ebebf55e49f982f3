/* A child killed by a signal: WIFSIGNALED with the signal number, for several signals. */
#include "conf.h"
#include <sys/resource.h>

int main(void)
{
    int sigs[] = {SIGTERM, SIGKILL, SIGUSR1, SIGABRT};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid_t pid = fork();
        OK(pid);
        if (pid == 0) {
            struct rlimit no_core = {0, 0};
            setrlimit(RLIMIT_CORE, &no_core);
            raise(sigs[i]);
            _exit(0);
        }
        int st = wait_child(pid);
        printf("child raising %d: %s\n", sigs[i], status_str(st));
    }
    return 0;
}
