/* POSIX record locks: F_SETLK by the parent, F_GETLK in a child shows the owner and range. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_fcntl_lock");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "0123456789", 10) == 10);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 5};
    OK(fcntl(fd, F_SETLK, &fl));
    pid_t parent = getpid();
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        int cfd = open("f", O_RDWR);
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        fcntl(cfd, F_GETLK, &q);
        printf("child F_GETLK: type WRLCK %d, start %ld len %ld, pid is parent %d\n",
               q.l_type == F_WRLCK, (long)q.l_start, (long)q.l_len, q.l_pid == parent);
        struct flock t = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1};
        errno = 0;
        int r = fcntl(cfd, F_SETLK, &t);
        printf("child F_SETLK overlapping: %d %s\n", r, conf_errname(errno));
        t.l_start = 8;
        printf("child F_SETLK elsewhere: %d\n", fcntl(cfd, F_SETLK, &t));
        _exit(0);
    }
    wait_child(pid);
    close(fd);
    return 0;
}
