/* Executable anonymous memory: write machine code (mov eax, 42; ret), mprotect to
 * read+exec, and call it. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memcpy(p, code, sizeof code);
    OK(mprotect(p, 4096, PROT_READ | PROT_EXEC));
    int (*fn)(void) = (int (*)(void))p;
    printf("generated code returned %d\n", fn());
    return 0;
}
