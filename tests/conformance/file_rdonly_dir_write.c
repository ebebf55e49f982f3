/* Writing where it is not allowed: a directory opened for writing (EISDIR), a path through
 * a regular file (ENOTDIR), a too-long name (ENAMETOOLONG). */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_rdonly_dir_write");
    OK(mkdir("d", 0700));
    write_file("f", "", 0);
    errno = 0;
    printf("open dir O_WRONLY: %s\n", RESULT(open("d", O_WRONLY)));
    errno = 0;
    printf("path through file: %s\n", RESULT(open("f/x", O_RDONLY)));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    errno = 0;
    printf("long name: %s\n", RESULT(open(longname, O_RDONLY | O_CREAT, 0600)));
    errno = 0;
    printf("O_DIRECTORY on file: %s\n", RESULT(open("f", O_RDONLY | O_DIRECTORY)));
    return 0;
}
