/* writev gathers three buffers, readv scatters them back; preadv2/pwritev2 at offsets. */
#include "conf.h"
#include <sys/uio.h>

int main(void)
{
    enter_tmpdir("file_readv_writev");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    struct iovec w[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    printf("writev: %zd\n", writev(fd, w, 3));
    char a[2], b[4], c[8] = {0};
    struct iovec r[3] = {{a, 2}, {b, 4}, {c, 8}};
    OK(lseek(fd, 0, SEEK_SET));
    printf("readv: %zd -> %.2s|%.4s|%s\n", readv(fd, r, 3), a, b, c);
    struct iovec p = {"ZZ", 2};
    printf("pwritev2 at 1: %zd\n", pwritev2(fd, &p, 1, 1, 0));
    char all[9] = {0};
    struct iovec q = {all, 8};
    printf("preadv2 at 0: %zd -> %s\n", preadv2(fd, &q, 1, 0, 0), all);
    close(fd);
    return 0;
}
