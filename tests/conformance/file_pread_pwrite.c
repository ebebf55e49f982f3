/* pread/pwrite at offsets leave the file position alone. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_pread_pwrite");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "aaaaaaaaaa", 10) == 10);
    CHECK(pwrite(fd, "XY", 2, 4) == 2);
    CHECK(pwrite(fd, "end", 3, 20) == 3);
    printf("position after pwrites: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    char buf[32] = {0};
    CHECK(pread(fd, buf, 6, 2) == 6);
    printf("pread(2, 6): %s\n", buf);
    printf("pread past end: %zd\n", pread(fd, buf, 4, 100));
    printf("position still: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    return 0;
}
