/* mkdir/rmdir: nested dirs, EEXIST, ENOTEMPTY, ENOENT, and the mode after umask. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_mkdir_rmdir");
    umask(022);
    OK(mkdir("a", 0777));
    OK(mkdir("a/b", 0700));
    struct stat st;
    OK(stat("a", &st));
    printf("a is dir %d, mode %o\n", S_ISDIR(st.st_mode), st.st_mode & 0777);
    errno = 0;
    printf("mkdir a again: %s\n", RESULT(mkdir("a", 0777)));
    errno = 0;
    printf("rmdir non-empty: %s\n", RESULT(rmdir("a")));
    errno = 0;
    printf("mkdir in missing: %s\n", RESULT(mkdir("x/y", 0777)));
    OK(rmdir("a/b"));
    OK(rmdir("a"));
    printf("removed: %d\n", access("a", F_OK) == -1 && errno == ENOENT);
    return 0;
}
