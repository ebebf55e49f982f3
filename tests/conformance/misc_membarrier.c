/* membarrier: MEMBARRIER_CMD_QUERY lists commands; a private expedited barrier after
 * registration. */
#include "conf.h"
#include <linux/membarrier.h>

int main(void)
{
    long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("query: %s\n", cmds >= 0 ? "ok" : conf_errname(errno));
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        printf("register: %s\n",
               RESULT(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)));
        printf("barrier: %s\n", RESULT(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)));
    }
    return 0;
}
