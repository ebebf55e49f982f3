/* Raw getdents64 with a small buffer needs several calls; the total count is right. */
#include "conf.h"
#include <dirent.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

int main(void)
{
    enter_tmpdir("file_getdents_raw");
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "entry-with-a-longish-name-%03d", i);
        write_file(name, "", 0);
    }
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    OK(fd);
    char buf[512];
    int calls = 0, entries = 0;
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        calls++;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            entries++;
            off += d->d_reclen;
        }
    }
    CHECK(r == 0);
    printf("entries %d, several calls %d\n", entries, calls > 1);
    errno = 0;
    r = syscall(SYS_getdents64, fd, buf, 8);
    OK(lseek(fd, 0, SEEK_SET));
    r = syscall(SYS_getdents64, fd, buf, 8);
    printf("buffer too small: %ld %s\n", r, conf_errname(errno));
    close(fd);
    return 0;
}
