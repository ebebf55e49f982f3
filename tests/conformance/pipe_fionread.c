/* ioctl(FIONREAD) on a pipe counts the unread bytes; TIOCGWINSZ on it is ENOTTY. */
#include "conf.h"
#include <sys/ioctl.h>

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    CHECK(write(fds[1], "12345", 5) == 5);
    int avail = -1;
    OK(ioctl(fds[0], FIONREAD, &avail));
    printf("FIONREAD: %d\n", avail);
    struct winsize ws;
    errno = 0;
    printf("TIOCGWINSZ: %s\n", RESULT(ioctl(fds[0], TIOCGWINSZ, &ws)));
    printf("isatty: %d\n", isatty(fds[0]));
    return 0;
}
