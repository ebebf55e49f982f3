/* close_range closes a range of descriptors, or marks them close-on-exec. */
#include "conf.h"
#include <linux/close_range.h>

int main(void)
{
    int base = open("/dev/null", O_RDONLY);
    OK(base);
    int fds[6];
    for (int i = 0; i < 6; i++) {
        fds[i] = dup2(base, base + 10 + i);
        OK(fds[i]);
    }
    long r = syscall(SYS_close_range, base + 10, base + 12, 0);
    int open_count = 0;
    for (int i = 0; i < 6; i++)
        open_count += fcntl(fds[i], F_GETFD) != -1;
    printf("close_range: %ld, still open %d of 6\n", r, open_count);
    r = syscall(SYS_close_range, base + 13, ~0U, CLOSE_RANGE_CLOEXEC);
    printf("CLOEXEC range: %ld, flagged %d\n", r, fcntl(fds[4], F_GETFD) == FD_CLOEXEC);
    errno = 0;
    r = syscall(SYS_close_range, 5, 2, 0);
    printf("first > last: %ld %s\n", r, conf_errname(errno));
    return 0;
}
