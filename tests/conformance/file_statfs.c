/* statfs/fstatfs of the working directory agree and report a block size. */
#include "conf.h"
#include <sys/statfs.h>
#include <sys/statvfs.h>

int main(void)
{
    struct statfs a, b;
    OK(statfs(".", &a));
    int fd = open(".", O_RDONLY);
    OK(fstatfs(fd, &b));
    printf("same type %d, bsize > 0 %d\n", a.f_type == b.f_type, a.f_bsize > 0);
    struct statvfs v;
    OK(statvfs("/", &v));
    printf("statvfs namemax >= 14: %d\n", v.f_namemax >= 14);
    OK(statfs("/proc", &a));
    printf("/proc is procfs: %d\n", a.f_type == 0x9fa0);
    return 0;
}
