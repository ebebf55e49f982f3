/* O_NONBLOCK pipe: an empty read is EAGAIN; filling it makes a write EAGAIN; the count
 * written equals the capacity. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe2(fds, O_NONBLOCK));
    char buf[4096];
    errno = 0;
    printf("empty read: %s\n", RESULT(read(fds[0], buf, 1)));
    memset(buf, 'p', sizeof buf);
    long total = 0;
    ssize_t n;
    while ((n = write(fds[1], buf, sizeof buf)) > 0)
        total += n;
    int e = errno;
    int cap = fcntl(fds[1], F_GETPIPE_SZ);
    printf("full: %s, wrote the capacity: %d\n", conf_errname(e), total == cap);
    CHECK(read(fds[0], buf, 4096) == 4096);
    printf("room again: %s\n", RESULT(write(fds[1], buf, 1)));
    return 0;
}
