/* posix_spawn of /bin/true, /bin/false and a missing program. */
#include "conf.h"
#include <spawn.h>

extern char **environ;

int main(void)
{
    const char *progs[] = {"/bin/true", "/bin/false", "/nonexistent/prog"};
    for (int i = 0; i < 3; i++) {
        pid_t pid;
        char *argv[] = {(char *)progs[i], NULL};
        int r = posix_spawn(&pid, progs[i], NULL, NULL, argv, environ);
        if (r != 0) {
            printf("%s: spawn error %s\n", progs[i], conf_errname(r));
            continue;
        }
        printf("%s: %s\n", progs[i], status_str(wait_child(pid)));
    }
    return 0;
}
