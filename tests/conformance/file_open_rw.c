/* open/write/read/close of a new file; O_CREAT|O_EXCL on an existing one is EEXIST. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_open_rw");
    int fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0600);
    OK(fd);
    CHECK(write(fd, "hello world\n", 12) == 12);
    OK(close(fd));
    errno = 0;
    printf("O_EXCL again: %s\n", RESULT(open("f", O_RDWR | O_CREAT | O_EXCL, 0600)));
    char buf[64];
    fd = open("f", O_RDONLY);
    OK(fd);
    ssize_t n = read(fd, buf, sizeof buf);
    printf("read %zd: %.*s", n, (int)n, buf);
    printf("at EOF: %zd\n", read(fd, buf, sizeof buf));
    errno = 0;
    printf("write to O_RDONLY: %s\n", RESULT(write(fd, "x", 1)));
    OK(close(fd));
    errno = 0;
    printf("missing: %s\n", RESULT(open("nope", O_RDONLY)));
    return 0;
}
