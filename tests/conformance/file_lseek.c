/* lseek SEEK_SET/SEEK_CUR/SEEK_END, a hole past the end reads as zeroes, SEEK_DATA/SEEK_HOLE. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_lseek");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "0123456789", 10) == 10);
    printf("SEEK_SET 3: %ld\n", (long)lseek(fd, 3, SEEK_SET));
    printf("SEEK_CUR +2: %ld\n", (long)lseek(fd, 2, SEEK_CUR));
    char c;
    CHECK(read(fd, &c, 1) == 1);
    printf("byte there: %c\n", c);
    printf("SEEK_END -1: %ld\n", (long)lseek(fd, -1, SEEK_END));
    printf("SEEK_END +100: %ld\n", (long)lseek(fd, 100, SEEK_END));
    CHECK(write(fd, "Z", 1) == 1);
    struct stat st;
    OK(fstat(fd, &st));
    printf("size now %ld\n", (long)st.st_size);
    char buf[8];
    CHECK(pread(fd, buf, 4, 50) == 4);
    printf("hole reads zeroes: %d\n", buf[0] == 0 && buf[3] == 0);
    errno = 0;
    printf("negative: %s\n", RESULT((long)lseek(fd, -5, SEEK_SET)));
    off_t data = lseek(fd, 0, SEEK_DATA);
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    printf("SEEK_DATA 0: %ld, SEEK_HOLE within file: %d\n", (long)data, hole > 0 && hole <= 111);
    close(fd);
    return 0;
}
