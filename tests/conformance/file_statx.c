/* statx returns the basic fields and a birth time mask where the file system has one. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_statx");
    write_file("f", "abcdef", 6);
    struct statx sx;
    int r = statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS | STATX_BTIME, &sx);
    if (r == -1 && errno == ENOSYS) {
        printf("statx: ENOSYS\n");
        return 0;
    }
    OK(r);
    struct stat st;
    OK(stat("f", &st));
    printf("basic stats: %d\n", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    printf("size %llu, regular %d, ino matches stat %d\n", (unsigned long long)sx.stx_size,
           S_ISREG(sx.stx_mode), sx.stx_ino == st.st_ino);
    int fd = open("f", O_RDONLY);
    OK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
    printf("AT_EMPTY_PATH size %llu\n", (unsigned long long)sx.stx_size);
    close(fd);
    return 0;
}
