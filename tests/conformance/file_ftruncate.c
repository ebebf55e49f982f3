/* ftruncate shrinks and grows (zero-filled); truncate by path. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_ftruncate");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "0123456789", 10) == 10);
    OK(ftruncate(fd, 4));
    struct stat st;
    OK(fstat(fd, &st));
    printf("after shrink: %ld\n", (long)st.st_size);
    OK(ftruncate(fd, 8));
    char buf[16] = {0};
    CHECK(pread(fd, buf, 16, 0) == 8);
    printf("after grow: %.4s + zeroes %d\n", buf, buf[4] == 0 && buf[7] == 0);
    OK(truncate("f", 2));
    OK(fstat(fd, &st));
    printf("truncate by path: %ld\n", (long)st.st_size);
    errno = 0;
    printf("negative: %s\n", RESULT(ftruncate(fd, -1)));
    close(fd);
    return 0;
}
