/* capget on ourselves: the effective set is a subset of the permitted set. */
#include "conf.h"
#include <linux/capability.h>

int main(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    OK(syscall(SYS_capget, &h, d));
    int subset = (d[0].effective & ~d[0].permitted) == 0 && (d[1].effective & ~d[1].permitted) == 0;
    printf("capget: effective within permitted %d\n", subset);
    return 0;
}
