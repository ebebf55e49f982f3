/* O_TMPFILE: an unnamed file, then given a name with linkat through /proc/self/fd. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_tmpfile");
    int fd = open(".", O_TMPFILE | O_RDWR, 0600);
    if (fd == -1 && (errno == EOPNOTSUPP || errno == EISDIR)) {
        printf("O_TMPFILE unsupported here\n");
        return 0;
    }
    OK(fd);
    CHECK(write(fd, "anon", 4) == 4);
    struct stat st;
    OK(fstat(fd, &st));
    printf("nlink before linkat: %ld\n", (long)st.st_nlink);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    OK(linkat(AT_FDCWD, path, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    char buf[16];
    read_file("named", buf, sizeof buf);
    printf("named file holds: %s\n", buf);
    int excl = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    OK(excl);
    snprintf(path, sizeof path, "/proc/self/fd/%d", excl);
    errno = 0;
    int r = linkat(AT_FDCWD, path, AT_FDCWD, "named2", AT_SYMLINK_FOLLOW);
    printf("O_EXCL tmpfile linkat: %d %s\n", r, conf_errname(errno));
    close(fd);
    close(excl);
    return 0;
}
