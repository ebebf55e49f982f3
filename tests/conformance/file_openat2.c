/* openat2 with RESOLVE_BENEATH refuses to leave the directory (EXDEV). */
#include "conf.h"
#include <linux/openat2.h>

int main(void)
{
    enter_tmpdir("file_openat2");
    OK(mkdir("d", 0700));
    write_file("d/f", "x", 1);
    write_file("outside", "x", 1);
    int d = open("d", O_RDONLY | O_DIRECTORY);
    OK(d);
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
    long fd = syscall(SYS_openat2, d, "f", &how, sizeof how);
    printf("inside: %s\n", fd >= 0 ? "ok" : conf_errname(errno));
    errno = 0;
    fd = syscall(SYS_openat2, d, "../outside", &how, sizeof how);
    printf("escape: %ld %s\n", fd, conf_errname(errno));
    return 0;
}
