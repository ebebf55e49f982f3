/* dup/dup2/dup3/F_DUPFD/F_DUPFD_CLOEXEC: shared offset, lowest free number, flags. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_dup");
    write_file("f", "abcdef", 6);
    int fd = open("f", O_RDONLY);
    OK(fd);
    int d = dup(fd);
    OK(d);
    char c;
    CHECK(read(fd, &c, 1) == 1);
    CHECK(read(d, &c, 1) == 1);
    printf("shared offset: read '%c', offset %ld\n", c, (long)lseek(fd, 0, SEEK_CUR));
    int hi = fd + 20;
    printf("dup2 to chosen number: %d\n", dup2(fd, hi) == hi);
    printf("dup2 onto itself: %d\n", dup2(hi, hi) == hi);
    errno = 0;
    printf("dup3 onto itself: %s\n", RESULT(dup3(hi, hi, 0)));
    OK(dup3(fd, hi, O_CLOEXEC));
    printf("dup3 O_CLOEXEC: %d\n", (fcntl(hi, F_GETFD) & FD_CLOEXEC) != 0);
    int m = fcntl(fd, F_DUPFD, fd + 10);
    printf("F_DUPFD >= min: %d, no cloexec: %d\n", m >= fd + 10, fcntl(m, F_GETFD) == 0);
    m = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    printf("F_DUPFD_CLOEXEC: %d\n", fcntl(m, F_GETFD) == FD_CLOEXEC);
    close(d);
    int again = dup(fd);
    printf("lowest free number reused: %d\n", again == d);
    errno = 0;
    printf("dup of a closed fd: %s\n", RESULT(dup(hi + 100)));
    return 0;
}
