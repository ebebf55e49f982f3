/* stat/fstat/fstatat/lstat agree; sizes, modes, types, nlink. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_stat");
    umask(0);
    int fd = open("f", O_RDWR | O_CREAT, 0640);
    OK(fd);
    CHECK(write(fd, "12345", 5) == 5);
    struct stat a, b, c;
    OK(stat("f", &a));
    OK(fstat(fd, &b));
    OK(fstatat(AT_FDCWD, "f", &c, 0));
    printf("size %ld mode %o regular %d nlink %ld\n", (long)a.st_size, a.st_mode & 07777,
           S_ISREG(a.st_mode), (long)a.st_nlink);
    printf("same inode in all three: %d, uid is mine: %d\n",
           a.st_ino == b.st_ino && b.st_ino == c.st_ino, a.st_uid == getuid());
    OK(stat(".", &a));
    printf(". is dir: %d\n", S_ISDIR(a.st_mode));
    OK(stat("/dev/null", &a));
    printf("/dev/null is chr: %d\n", S_ISCHR(a.st_mode));
    int fds[2];
    OK(pipe(fds));
    OK(fstat(fds[0], &a));
    printf("pipe is fifo: %d\n", S_ISFIFO(a.st_mode));
    errno = 0;
    printf("fstat bad fd: %s\n", RESULT(fstat(-1, &a)));
    close(fd);
    return 0;
}
