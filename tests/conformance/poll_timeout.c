/* poll and select with nothing ready time out after about the time asked. */
#include "conf.h"
#include <poll.h>
#include <sys/select.h>

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    struct pollfd p = {fds[0], POLLIN, 0};
    long long t0 = mono_ms();
    int r = poll(&p, 1, 20);
    long long dt = mono_ms() - t0;
    printf("poll: %d after >= 19ms %d\n", r, dt >= 19);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fds[0], &rs);
    struct timeval tv = {0, 20000};
    t0 = mono_ms();
    r = select(fds[0] + 1, &rs, NULL, NULL, &tv);
    dt = mono_ms() - t0;
    printf("select: %d after >= 19ms %d, timeval consumed %d, set cleared %d\n", r, dt >= 19,
           tv.tv_sec == 0 && tv.tv_usec == 0, !FD_ISSET(fds[0], &rs));
    return 0;
}
