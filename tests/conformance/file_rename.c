/* rename replaces the target atomically; renameat2 RENAME_NOREPLACE and RENAME_EXCHANGE. */
#include "conf.h"
#include <linux/fs.h>

static void show(const char *p)
{
    char buf[16];
    read_file(p, buf, sizeof buf);
    printf("%s=%s ", p, buf);
}

int main(void)
{
    enter_tmpdir("file_rename");
    write_file("a", "A", 1);
    write_file("b", "B", 1);
    OK(rename("a", "b"));
    printf("a exists: %d, ", access("a", F_OK) == 0);
    show("b");
    printf("\n");
    write_file("c", "C", 1);
    errno = 0;
    int r = renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_NOREPLACE);
    printf("NOREPLACE: %d %s\n", r, conf_errname(errno));
    r = renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE);
    printf("EXCHANGE: %d: ", r);
    show("b");
    show("c");
    printf("\n");
    OK(mkdir("d", 0700));
    OK(rename("c", "d/c2"));
    show("d/c2");
    printf("\n");
    errno = 0;
    r = rename("missing", "x");
    printf("missing source: %d %s\n", r, conf_errname(errno));
    return 0;
}
