/* /dev/urandom gives the bytes asked for; two reads differ. */
#include "conf.h"

int main(void)
{
    int fd = open("/dev/urandom", O_RDONLY);
    OK(fd);
    unsigned char a[64], b[64];
    CHECK(read(fd, a, 64) == 64);
    CHECK(read(fd, b, 64) == 64);
    printf("64 bytes twice, differ: %d\n", memcmp(a, b, 64) != 0);
    return 0;
}
