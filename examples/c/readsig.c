/* Blocks in read(2) on stdin; SIGUSR1 (no SA_RESTART) interrupts it: the handler says so,
 * read returns EINTR, and the program reads on until end of input. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig) {
    (void)sig;
    write(1, "usr1\n", 5);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    write(1, "ready\n", 6);
    char buf[256];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            write(1, "read interrupted\n", 17);
            continue;
        }
        if (n <= 0)
            break;
        write(1, "got: ", 5);
        write(1, buf, (size_t)n);
    }
    write(1, "eof\n", 4);
    return 0;
}
