/* An unlinked file stays readable through an open fd; its link count drops to 0. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_unlink_open");
    write_file("f", "still here", 10);
    int fd = open("f", O_RDONLY);
    OK(fd);
    OK(unlink("f"));
    struct stat st;
    OK(fstat(fd, &st));
    char buf[16] = {0};
    CHECK(read(fd, buf, sizeof buf - 1) == 10);
    printf("after unlink: nlink %ld, content %s, name exists %d\n", (long)st.st_nlink, buf,
           access("f", F_OK) == 0);
    errno = 0;
    printf("unlink again: %s\n", RESULT(unlink("f")));
    OK(mkdir("d", 0700));
    errno = 0;
    printf("unlink a dir: %s\n", RESULT(unlink("d")));
    close(fd);
    return 0;
}
