/* Hard links share the inode; the link count follows link/unlink; linkat. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_link");
    write_file("a", "x", 1);
    OK(link("a", "b"));
    OK(linkat(AT_FDCWD, "b", AT_FDCWD, "c", 0));
    struct stat sa, sb;
    OK(stat("a", &sa));
    OK(stat("c", &sb));
    printf("same inode %d, nlink %ld\n", sa.st_ino == sb.st_ino, (long)sa.st_nlink);
    OK(unlink("a"));
    OK(stat("b", &sb));
    printf("after unlink: nlink %ld\n", (long)sb.st_nlink);
    errno = 0;
    printf("link onto existing: %s\n", RESULT(link("b", "c")));
    return 0;
}
