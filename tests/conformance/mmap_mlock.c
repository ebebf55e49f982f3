/* mlock/munlock of one page (within the default RLIMIT_MEMLOCK); mlockall is not tried. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    printf("mlock: %s\n", RESULT(mlock(p, 4096)));
    p[0] = 1;
    unsigned char v;
    OK(mincore(p, 4096, &v));
    printf("resident: %d\n", v & 1);
    printf("munlock: %s\n", RESULT(munlock(p, 4096)));
    printf("mlock2 ONFAULT: %s\n", RESULT(syscall(SYS_mlock2, p, 4096, 1)));
    munlock(p, 4096);
    return 0;
}
