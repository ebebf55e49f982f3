/* Linux native AIO: io_setup, io_submit a pread of a file, io_getevents, io_destroy. */
#include "conf.h"
#include <linux/aio_abi.h>

int main(void)
{
    enter_tmpdir("misc_aio");
    write_file("f", "asynchronous read", 17);
    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, 4, &ctx) != 0) {
        printf("io_setup: %s\n", conf_errname(errno));
        return 1;
    }
    int fd = open("f", O_RDONLY);
    char buf[32] = {0};
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_buf = (uint64_t)(uintptr_t)buf;
    cb.aio_nbytes = 17;
    struct iocb *list[1] = {&cb};
    printf("io_submit: %s\n", RESULT(syscall(SYS_io_submit, ctx, 1, list)));
    struct io_event ev;
    struct timespec ts = {2, 0};
    long n = syscall(SYS_io_getevents, ctx, 1, 1, &ev, &ts);
    printf("events %ld, res %lld, data: %s\n", n, (long long)ev.res, buf);
    OK(syscall(SYS_io_destroy, ctx));
    return 0;
}
