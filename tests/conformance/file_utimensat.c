/* utimensat/futimens set exact times; UTIME_OMIT keeps one; utimes by path. */
#include "conf.h"
#include <sys/time.h>

int main(void)
{
    enter_tmpdir("file_utimensat");
    write_file("f", "x", 1);
    struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st;
    OK(stat("f", &st));
    printf("atime %ld.%09ld mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    int fd = open("f", O_RDONLY);
    struct timespec ts2[2] = {{0, UTIME_OMIT}, {1600000000, 0}};
    OK(futimens(fd, ts2));
    OK(fstat(fd, &st));
    printf("after omit: atime %ld mtime %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    struct timeval tv[2] = {{1234567890, 0}, {1234567891, 500000}};
    OK(utimes("f", tv));
    OK(stat("f", &st));
    printf("utimes: mtime %ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    close(fd);
    return 0;
}
