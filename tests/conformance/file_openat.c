/* openat, mkdirat, unlinkat, fstatat, renameat relative to directory fds. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_openat");
    OK(mkdir("d1", 0700));
    OK(mkdir("d2", 0700));
    int d1 = open("d1", O_RDONLY | O_DIRECTORY);
    int d2 = open("d2", O_PATH | O_DIRECTORY);
    OK(d1);
    OK(d2);
    int fd = openat(d1, "f", O_WRONLY | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "in d1", 5) == 5);
    close(fd);
    OK(mkdirat(d1, "sub", 0700));
    OK(renameat(d1, "f", d2, "g"));
    struct stat st;
    int gone = fstatat(d1, "f", &st, 0) == -1;
    int there = fstatat(d2, "g", &st, 0) == 0;
    printf("moved: in d2 %d, gone from d1 %d\n", there, gone);
    printf("size %ld\n", (long)st.st_size);
    OK(unlinkat(d1, "sub", AT_REMOVEDIR));
    OK(unlinkat(d2, "g", 0));
    errno = 0;
    printf("openat relative to a file fd: %s\n", RESULT(openat(open("/dev/null", O_RDONLY), "x", O_RDONLY)));
    fd = openat(d1, "../d2", O_RDONLY | O_DIRECTORY);
    printf("openat with ..: %d\n", fd >= 0);
    return 0;
}
