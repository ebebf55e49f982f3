/* int3 raises SIGTRAP; the handler returns past it. */
#include "conf.h"

static volatile int hits;
static void on_trap(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGTRAP, on_trap);
    __asm__ volatile("int3");
    printf("resumed after int3: hits %d\n", hits);
    return 0;
}
