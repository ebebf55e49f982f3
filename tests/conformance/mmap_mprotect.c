/* mprotect to read-only: a write faults with SEGV_ACCERR; back to read-write it works. */
#include "conf.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int code;
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    code = si->si_code;
    siglongjmp(env, 1);
}

int main(void)
{
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 'a';
    OK(mprotect(p, 4096, PROT_READ));
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    int faulted = 0;
    if (sigsetjmp(env, 1) == 0)
        *(volatile char *)p = 'b';
    else
        faulted = 1;
    printf("write to read-only faults: %d, SEGV_ACCERR %d, value %c\n", faulted,
           code == SEGV_ACCERR, p[0]);
    p[4096] = 'c';
    printf("second page still writable: %c\n", p[4096]);
    OK(mprotect(p, 4096, PROT_READ | PROT_WRITE));
    p[0] = 'd';
    printf("writable again: %c\n", p[0]);
    errno = 0;
    printf("unaligned: %s\n", RESULT(mprotect(p + 1, 10, PROT_READ)));
    return 0;
}
