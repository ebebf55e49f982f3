/* chdir/fchdir/getcwd: relative opens follow the cwd; getcwd ends with the dir name. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_cwd");
    OK(mkdir("inner", 0700));
    int here = open(".", O_RDONLY | O_DIRECTORY);
    OK(here);
    OK(chdir("inner"));
    char buf[4096];
    CHECK(getcwd(buf, sizeof buf));
    const char *tail = strrchr(buf, '/');
    printf("cwd ends with: %s\n", tail);
    write_file("f", "x", 1);
    OK(fchdir(here));
    printf("file seen from parent: %d\n", access("inner/f", F_OK) == 0);
    errno = 0;
    char *p = getcwd(buf, 2);
    printf("getcwd too small: %s %s\n", p ? "ok" : "NULL", conf_errname(errno));
    errno = 0;
    printf("chdir to a file: %s\n", RESULT(chdir("inner/f")));
    close(here);
    return 0;
}
