/* Anonymous private mappings are zero-filled, writable, and munmap makes them fault. */
#include "conf.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }

int main(void)
{
    size_t len = 16 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    int zero = 1;
    for (size_t i = 0; i < len; i++)
        zero &= p[i] == 0;
    memset(p, 0xab, len);
    printf("zero-filled %d, page aligned %d, written %d\n", zero, ((uintptr_t)p & 4095) == 0,
           p[len - 1] == 0xab);
    OK(munmap(p + 4096, 4096));
    signal(SIGSEGV, on_segv);
    volatile int faulted = 0;
    if (sigsetjmp(env, 1) == 0)
        (void)*(volatile unsigned char *)(p + 4096);
    else
        faulted = 1;
    printf("unmapped page faults: %d, neighbours intact %d\n", faulted, p[0] == 0xab && p[8192] == 0xab);
    errno = 0;
    printf("zero length: %s\n",
           mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED
               ? conf_errname(errno)
               : "mapped?");
    return 0;
}
