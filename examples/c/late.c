/* Prints a line, then exits. Built with -DSPIN, it instead spins forever without a syscall:
 * under mvx the other variant waits at exit_group until the rendezvous window runs out. */
#include <string.h>
#include <unistd.h>

int main(void) {
    const char *msg = "started\n";
    write(1, msg, strlen(msg));
#ifdef SPIN
    volatile unsigned long n = 0;
    for (;;)
        n++;
#endif
    return 0;
}
