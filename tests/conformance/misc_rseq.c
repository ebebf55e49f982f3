/* glibc registers restartable sequences at startup (__rseq_size > 0) where the kernel allows
 * it; the registered area reports the current cpu. */
#include "conf.h"
#include <sys/rseq.h>

int main(void)
{
    printf("glibc rseq registered: %d\n", __rseq_size > 0);
    if (__rseq_size > 0) {
        struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
        printf("rseq cpu_id valid: %d\n", (int)rs->cpu_id >= 0);
    }
    return 0;
}
