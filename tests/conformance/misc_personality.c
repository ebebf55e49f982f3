/* personality(0xffffffff) queries without changing; ADDR_NO_RANDOMIZE can be set in a child. */
#include "conf.h"
#include <sys/personality.h>

int main(void)
{
    int p = personality(0xffffffff);
    printf("base personality is PER_LINUX: %d\n", (p & PER_MASK) == PER_LINUX);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        personality(p | ADDR_NO_RANDOMIZE);
        _exit((personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? 0 : 1);
    }
    printf("child set ADDR_NO_RANDOMIZE: %s\n", status_str(wait_child(pid)));
    return 0;
}
