/* poll ignores what the caller leaves in revents (it only writes it): programs leave it
 * uninitialised, so it may hold anything, such as part of an address. */
#include "conf.h"
#include <poll.h>
#include <stdint.h>

int main(void)
{
    int p[2];
    OK(pipe(p));
    CHECK(write(p[1], "x", 1) == 1);
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    /* What an uninitialised field holds: here, the high bits of addresses, which differ in each variant. */
    fds[0].revents = (short)((uintptr_t)&printf >> 32);
    fds[1].revents = (short)((uintptr_t)&fds >> 32);
    int n = poll(fds, 2, 1000);
    printf("ready %d: in %d, out %d\n", n, !!(fds[0].revents & POLLIN), !!(fds[1].revents & POLLOUT));
    fds[0].revents = (short)((uintptr_t)&n >> 30);
    struct timespec zero = {0, 0};
    n = ppoll(fds, 1, &zero, NULL);
    printf("ppoll ready %d: in %d\n", n, !!(fds[0].revents & POLLIN));
    return 0;
}
