/* fallocate reserves space (size grows, blocks allocated); KEEP_SIZE and PUNCH_HOLE. */
#include "conf.h"
#include <linux/falloc.h>

int main(void)
{
    enter_tmpdir("file_fallocate");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    int r = fallocate(fd, 0, 0, 65536);
    if (r == -1 && errno == EOPNOTSUPP) {
        printf("fallocate unsupported on this file system\n");
        return 0;
    }
    OK(r);
    struct stat st;
    OK(fstat(fd, &st));
    printf("size %ld, blocks cover it: %d\n", (long)st.st_size, st.st_blocks * 512 >= 65536);
    OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536));
    OK(fstat(fd, &st));
    printf("KEEP_SIZE: size %ld\n", (long)st.st_size);
    CHECK(pwrite(fd, "data", 4, 8192) == 4);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 16384);
    char buf[4] = {1, 1, 1, 1};
    CHECK(pread(fd, buf, 4, 8192) == 4);
    printf("punch hole: %s, data zeroed: %d\n", r == 0 ? "ok" : conf_errname(errno), buf[0] == 0);
    posix_fallocate(fd, 0, 200000);
    OK(fstat(fd, &st));
    printf("posix_fallocate size %ld\n", (long)st.st_size);
    close(fd);
    return 0;
}
