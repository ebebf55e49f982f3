/* symlink/readlink/lstat, a dangling link, and O_NOFOLLOW (ELOOP). */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_symlink");
    write_file("target", "T", 1);
    OK(symlink("target", "link"));
    OK(symlink("nowhere", "dangling"));
    char buf[64];
    ssize_t n = readlink("link", buf, sizeof buf);
    printf("readlink: %.*s (%zd)\n", (int)n, buf, n);
    struct stat st;
    OK(lstat("link", &st));
    printf("lstat is link %d, size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    OK(stat("link", &st));
    printf("stat follows: regular %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    errno = 0;
    printf("dangling open: %s\n", RESULT(open("dangling", O_RDONLY)));
    errno = 0;
    printf("O_NOFOLLOW: %s\n", RESULT(open("link", O_RDONLY | O_NOFOLLOW)));
    errno = 0;
    printf("readlink of a file: %s\n", RESULT(readlink("target", buf, sizeof buf)));
    n = readlinkat(AT_FDCWD, "dangling", buf, 3);
    printf("truncated readlinkat: %.*s\n", (int)n, buf);
    return 0;
}
