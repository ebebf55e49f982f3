/* posix_spawn in a loop, each child's stdout a pipe the parent reads: the vfork child runs in
 * the parent's memory until its exec, so its calls must not pass for the parent's. 40 spawns:
 * about 3 s at -n 3 (120 took 9 s, and over the suite's 20 s on a loaded 2-CPU machine). */
#include "conf.h"
#include <spawn.h>

extern char **environ;

int main(void)
{
    unsigned total = 0;
    for (int i = 0; i < 40; i++) {
        int fds[2];
        OK(pipe(fds));
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        char number[16];
        snprintf(number, sizeof number, "%d", i);
        char *argv[] = {"echo", number, NULL};
        pid_t pid;
        CHECK(posix_spawnp(&pid, "echo", &fa, NULL, argv, environ) == 0);
        posix_spawn_file_actions_destroy(&fa);
        close(fds[1]);
        char buf[64];
        ssize_t n, len = 0;
        while ((n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
            len += n;
        close(fds[0]);
        buf[len] = 0;
        total += (unsigned)atoi(buf);
        CHECK(strcmp(status_str(wait_child(pid)), "exit 0") == 0);
    }
    printf("sum of what the children wrote: %u\n", total);
    return 0;
}
