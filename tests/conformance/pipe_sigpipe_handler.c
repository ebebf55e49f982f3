/* With a SIGPIPE handler the write fails with EPIPE after the handler ran. */
#include "conf.h"

static volatile sig_atomic_t hits;
static void on_pipe(int sig) { (void)sig; hits++; }

int main(void)
{
    signal(SIGPIPE, on_pipe);
    int fds[2];
    OK(pipe(fds));
    close(fds[0]);
    ssize_t r = write(fds[1], "x", 1);
    int e = errno;
    printf("write %zd %s, handler ran %d\n", r, conf_errname(e), (int)hits);
    return 0;
}
