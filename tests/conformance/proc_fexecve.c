/* fexecve (execveat with AT_EMPTY_PATH) of /bin/true opened by fd. */
#include "conf.h"

int main(void)
{
    int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
    OK(fd);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        fexecve(fd, argv, envp);
        _exit(127);
    }
    printf("fexecve /bin/true: %s\n", status_str(wait_child(pid)));
    return 0;
}
