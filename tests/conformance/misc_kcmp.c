/* kcmp(KCMP_FILE) says whether two descriptors share a file description. */
#include "conf.h"
#include <linux/kcmp.h>

int main(void)
{
    int a = open("/dev/null", O_RDONLY), b = dup(a), c = open("/dev/null", O_RDONLY);
    long same = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b);
    long diff = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, c);
    if (same == -1) {
        printf("kcmp: %s\n", conf_errname(errno));
        return 0;
    }
    printf("dup shares: %d, separate open differs: %d\n", same == 0, diff != 0);
    return 0;
}
