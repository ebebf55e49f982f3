/* pipe2 with O_CLOEXEC and O_NONBLOCK sets the flags on both ends. */
#include "conf.h"

int main(void)
{
    int fds[2];
    OK(pipe2(fds, O_CLOEXEC | O_NONBLOCK));
    printf("cloexec: %d %d\n", fcntl(fds[0], F_GETFD) == FD_CLOEXEC,
           fcntl(fds[1], F_GETFD) == FD_CLOEXEC);
    printf("nonblock: %d %d\n", (fcntl(fds[0], F_GETFL) & O_NONBLOCK) != 0,
           (fcntl(fds[1], F_GETFL) & O_NONBLOCK) != 0);
    printf("access modes: read end O_RDONLY %d, write end O_WRONLY %d\n",
           (fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_RDONLY,
           (fcntl(fds[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
    errno = 0;
    printf("bad flags: %s\n", RESULT(pipe2(fds, O_APPEND)));
    return 0;
}
