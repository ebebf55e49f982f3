/* flock: a child cannot take an exclusive lock the parent holds (LOCK_NB: EWOULDBLOCK),
 * and can once it is released. */
#include "conf.h"
#include <sys/file.h>

static int child_try(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        int fd = open("f", O_RDONLY);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            _exit(0);
        _exit(errno == EWOULDBLOCK ? 1 : 2);
    }
    return WEXITSTATUS(wait_child(pid));
}

int main(void)
{
    enter_tmpdir("file_flock");
    write_file("f", "", 0);
    int fd = open("f", O_RDONLY);
    OK(fd);
    OK(flock(fd, LOCK_EX));
    printf("child while held: %s\n", child_try() == 1 ? "EWOULDBLOCK" : "?");
    OK(flock(fd, LOCK_UN));
    printf("child after release: %s\n", child_try() == 0 ? "locked" : "?");
    OK(flock(fd, LOCK_SH));
    int fd2 = open("f", O_RDONLY);
    printf("second shared lock: %d\n", flock(fd2, LOCK_SH | LOCK_NB));
    close(fd);
    close(fd2);
    return 0;
}
