/* poll on a pipe: timeout 0 on empty, POLLIN with data, POLLHUP after the writer closes,
 * POLLNVAL for a closed fd. */
#include "conf.h"
#include <poll.h>

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT, 0}};
    int r = poll(p, 2, 0);
    printf("empty: ready %d, read end %x, write end POLLOUT %d\n", r, p[0].revents,
           (p[1].revents & POLLOUT) != 0);
    CHECK(write(fds[1], "x", 1) == 1);
    r = poll(p, 1, 1000);
    printf("with data: ready %d, POLLIN %d\n", r, (p[0].revents & POLLIN) != 0);
    close(fds[1]);
    r = poll(p, 1, 1000);
    printf("writer closed: POLLIN %d POLLHUP %d\n", (p[0].revents & POLLIN) != 0,
           (p[0].revents & POLLHUP) != 0);
    struct pollfd bad = {fds[1], POLLIN, 0};
    r = poll(&bad, 1, 0);
    printf("closed fd: ready %d POLLNVAL %d\n", r, (bad.revents & POLLNVAL) != 0);
    struct pollfd neg = {-1, POLLIN, 0};
    r = poll(&neg, 1, 0);
    printf("negative fd ignored: %d, revents %d\n", r, neg.revents);
    return 0;
}
