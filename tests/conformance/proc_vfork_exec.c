/* vfork + execve of /bin/false and /bin/true. */
#include "conf.h"

static int run(const char *path)
{
    char *argv[] = {(char *)path, NULL};
    char *envp[] = {NULL};
    pid_t pid = vfork();
    OK(pid);
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    return wait_child(pid);
}

int main(void)
{
    printf("/bin/true: %s\n", status_str(run("/bin/true")));
    printf("/bin/false: %s\n", status_str(run("/bin/false")));
    return 0;
}
