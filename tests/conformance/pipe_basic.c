/* pipe: bytes written come out in order; EOF once every writer is closed. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    CHECK(write(fds[1], "first ", 6) == 6);
    CHECK(write(fds[1], "second", 6) == 6);
    char buf[32] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    printf("read %zd: %s\n", n, buf);
    close(fds[1]);
    printf("after writer closed: %zd\n", read(fds[0], buf, sizeof buf));
    errno = 0;
    printf("write to read end: %s\n", RESULT(write(fds[0], "x", 1)));
    return 0;
}
