/* The Orchestra scenarios (figure 4): where a signal finds a variant is controlled by how long
 * the variant spins, without syscalls, between two syscalls. Build with -DSPIN_MS=N.
 *
 *   write("ready")  --  spin SPIN_MS ms  --  syscall(SYS_getppid)  --  write("after")
 *
 * A signal sent while a variant spins finds it in user code; one sent after it finished
 * spinning finds it at getppid. Under mvx the handler's write must come in the same signal
 * time frame in every variant (between "ready" and "after"), whatever each was doing. */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SPIN_MS
#define SPIN_MS 0
#endif

static void on_usr1(int sig) {
    (void)sig;
    static const char msg[] = "handled\n";
    write(1, msg, sizeof msg - 1);
}

/* Busy-waits without syscalls (the vDSO is hidden under mvx: no clock reads either). */
static void spin(long ms) {
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < (unsigned long)ms * 3000000UL; i++)
        x += i;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, 0);
    write(1, "ready\n", 6);
    spin(SPIN_MS);
    /* Raw, from this program's own syscall instruction: it must stop in mvx at every
     * --monitor-level (libc's getppid and syscall(2) may take the fast path). */
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
    (void)ret;
    /* Give the signal time to arrive in every variant before the next syscall. */
    spin(300);
    write(1, "after\n", 6);
    return 0;
}
