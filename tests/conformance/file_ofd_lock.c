/* Open file description locks (F_OFD_SETLK): two opens in one process conflict. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_ofd_lock");
    write_file("f", "0123456789", 10);
    int a = open("f", O_RDWR), b = open("f", O_RDWR);
    OK(a);
    OK(b);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    OK(fcntl(a, F_OFD_SETLK, &fl));
    struct flock q = fl;
    errno = 0;
    int r = fcntl(b, F_OFD_SETLK, &q);
    printf("second description: %d %s\n", r, conf_errname(errno));
    q = fl;
    OK(fcntl(b, F_OFD_GETLK, &q));
    printf("F_OFD_GETLK: WRLCK %d, l_pid %d\n", q.l_type == F_WRLCK, q.l_pid);
    fl.l_type = F_UNLCK;
    OK(fcntl(a, F_OFD_SETLK, &fl));
    q.l_type = F_WRLCK;
    q.l_pid = 0;
    printf("after unlock: %d\n", fcntl(b, F_OFD_SETLK, &q));
    return 0;
}
