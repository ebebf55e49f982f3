/* fsync, fdatasync, sync_file_range and syncfs on a written file succeed. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_fsync");
    int fd = open("f", O_RDWR | O_CREAT, 0600);
    OK(fd);
    CHECK(write(fd, "durable", 7) == 7);
    REPORT("fsync", fsync(fd));
    REPORT("fdatasync", fdatasync(fd));
    REPORT("sync_file_range", sync_file_range(fd, 0, 7, SYNC_FILE_RANGE_WRITE));
    REPORT("syncfs", syncfs(fd));
    int fds[2];
    OK(pipe(fds));
    errno = 0;
    int r = fsync(fds[0]);
    printf("fsync on a pipe: %d %s\n", r, conf_errname(errno));
    close(fd);
    return 0;
}
