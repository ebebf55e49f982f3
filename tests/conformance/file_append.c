/* O_APPEND: every write lands at the end, whatever the position; pwrite too on Linux. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_append");
    write_file("f", "start:", 6);
    int fd = open("f", O_WRONLY | O_APPEND);
    OK(fd);
    OK(lseek(fd, 0, SEEK_SET));
    CHECK(write(fd, "one,", 4) == 4);
    CHECK(pwrite(fd, "two,", 4, 0) == 4);
    int other = open("f", O_WRONLY | O_APPEND);
    CHECK(write(other, "three", 5) == 5);
    char buf[64];
    read_file("f", buf, sizeof buf);
    printf("%s\n", buf);
    printf("F_GETFL has O_APPEND: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    close(fd);
    close(other);
    return 0;
}
