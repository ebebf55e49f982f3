/* ioprio_get/ioprio_set on ourselves: set best-effort level 6, read it back. */
#include "conf.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_PRIO(c, d) (((c) << 13) | (d))

int main(void)
{
    long r = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
    printf("ioprio_get: %s\n", r >= 0 ? "ok" : conf_errname(errno));
    printf("ioprio_set BE/6: %s\n",
           RESULT(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO(IOPRIO_CLASS_BE, 6))));
    r = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
    printf("read back: class %ld level %ld\n", r >> 13, r & 0x1fff);
    return 0;
}
