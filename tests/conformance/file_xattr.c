/* Extended attributes (user.*): set, get, list, remove; where the file system allows them. */
#include "conf.h"
#include <sys/xattr.h>

int main(void)
{
    enter_tmpdir("file_xattr");
    write_file("f", "", 0);
    if (setxattr("f", "user.conf", "value1", 6, 0) == -1) {
        printf("user xattrs unsupported: %s\n", errno == ENOTSUP ? "ENOTSUP" : conf_errname(errno));
        return 0;
    }
    char buf[64];
    ssize_t n = getxattr("f", "user.conf", buf, sizeof buf);
    printf("get: %.*s\n", (int)n, buf);
    errno = 0;
    printf("XATTR_CREATE again: %s\n", RESULT(setxattr("f", "user.conf", "v", 1, XATTR_CREATE)));
    n = listxattr("f", buf, sizeof buf);
    printf("list has user.conf: %d\n", n > 0 && memmem(buf, n, "user.conf", 10) != NULL);
    OK(removexattr("f", "user.conf"));
    errno = 0;
    printf("after remove: %s\n", RESULT(getxattr("f", "user.conf", buf, sizeof buf)));
    return 0;
}
