/* F_GETPIPE_SZ / F_SETPIPE_SZ: the default is 64 KiB; it can be raised to 1 MiB. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    printf("default: %d\n", fcntl(fds[0], F_GETPIPE_SZ));
    printf("set 128 KiB: %s\n", RESULT(fcntl(fds[0], F_SETPIPE_SZ, 128 * 1024)));
    printf("now: %d\n", fcntl(fds[1], F_GETPIPE_SZ));
    printf("set 10000 rounds up: %s\n", RESULT(fcntl(fds[0], F_SETPIPE_SZ, 10000)));
    return 0;
}
