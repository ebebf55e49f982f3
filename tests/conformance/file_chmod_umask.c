/* umask masks creation modes; chmod/fchmod/fchmodat change them. */
#include "conf.h"

static unsigned mode_of(const char *p)
{
    struct stat st;
    CHECK(stat(p, &st) == 0);
    return st.st_mode & 07777;
}

int main(void)
{
    enter_tmpdir("file_chmod_umask");
    mode_t old = umask(027);
    printf("umask returned old, new set: %d\n", umask(027) == 027);
    (void)old;
    int fd = open("f", O_CREAT | O_WRONLY, 0777);
    OK(fd);
    printf("created with 0777 & ~027: %o\n", mode_of("f"));
    OK(fchmod(fd, 0604));
    printf("fchmod: %o\n", mode_of("f"));
    OK(chmod("f", 04711));
    printf("chmod setuid: %o\n", mode_of("f"));
    OK(fchmodat(AT_FDCWD, "f", 0600, 0));
    printf("fchmodat: %o\n", mode_of("f"));
    OK(chown("f", getuid(), getgid()));
    printf("chown to myself: ok\n");
    close(fd);
    return 0;
}
