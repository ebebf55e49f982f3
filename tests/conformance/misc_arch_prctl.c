/* arch_prctl(ARCH_GET_FS) returns the TLS base, which matches the address of a TLS
 * variable's block (fs:0 holds the thread pointer). */
#include "conf.h"
#include <asm/prctl.h>

int main(void)
{
    unsigned long fs = 0;
    OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    unsigned long self;
    __asm__("mov %%fs:0, %0" : "=r"(self));
    printf("ARCH_GET_FS equals fs:0: %d\n", fs == self);
    unsigned long gs = 1;
    const char *r = RESULT(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    printf("ARCH_GET_GS: %s, zero %d\n", r, gs == 0);
    return 0;
}
