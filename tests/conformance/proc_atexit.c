/* atexit handlers run in reverse order at exit(), with stdio flushed after them. */
#include "conf.h"

static void first(void) { printf("registered first, runs last\n"); }
static void second(void) { printf("registered second, runs first\n"); }

int main(void)
{
    atexit(first);
    atexit(second);
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("main returns\n");
    return 0;
}
