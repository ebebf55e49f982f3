/* posix_spawnp with file actions: the child's stdout is a pipe the parent reads. */
#include "conf.h"
#include <spawn.h>

extern char **environ;

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {"echo", "spawned", "through", "a", "pipe", NULL};
    pid_t pid;
    CHECK(posix_spawnp(&pid, "echo", &fa, NULL, argv, environ) == 0);
    close(fds[1]);
    char buf[128];
    ssize_t n, len = 0;
    while ((n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += n;
    buf[len] = 0;
    printf("child wrote: %s", buf);
    printf("child %s\n", status_str(wait_child(pid)));
    return 0;
}
