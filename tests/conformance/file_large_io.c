/* 4 MiB written in odd-sized chunks and read back: checksums match. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_large_io");
    int fd = open("big", O_RDWR | O_CREAT, 0600);
    OK(fd);
    static unsigned char buf[65537];
    unsigned long sum_w = 0, sum_r = 0, total = 0;
    unsigned x = 1;
    while (total < 4 << 20) {
        size_t n = 1000 + total % 60000;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245 + 12345;
            buf[i] = x >> 16;
            sum_w += buf[i];
        }
        CHECK(write(fd, buf, n) == (ssize_t)n);
        total += n;
    }
    OK(lseek(fd, 0, SEEK_SET));
    ssize_t r;
    unsigned long got = 0;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        got += r;
        for (ssize_t i = 0; i < r; i++)
            sum_r += buf[i];
    }
    printf("bytes %lu read %lu, checksums equal %d\n", total, got, sum_w == sum_r);
    close(fd);
    return 0;
}
