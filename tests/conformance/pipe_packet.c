/* O_DIRECT pipes are packet mode: each write is read back as one message. */
#include "conf.h"

int main(void)
{
    int fds[2];
    if (pipe2(fds, O_DIRECT) == -1) {
        printf("O_DIRECT pipes unsupported: %s\n", conf_errname(errno));
        return 0;
    }
    CHECK(write(fds[1], "abc", 3) == 3);
    CHECK(write(fds[1], "defgh", 5) == 5);
    char buf[64];
    ssize_t a = read(fds[0], buf, sizeof buf);
    ssize_t b = read(fds[0], buf, sizeof buf);
    printf("packets read: %zd then %zd\n", a, b);
    return 0;
}
