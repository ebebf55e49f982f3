/* io_uring_setup: a ring of 4 entries can be created where the kernel allows it. */
#include "conf.h"
#include <linux/io_uring.h>

int main(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    printf("io_uring_setup: %s\n", fd >= 0 ? "ok" : conf_errname(errno));
    if (fd >= 0)
        printf("sq entries %u\n", p.sq_entries);
    return 0;
}
