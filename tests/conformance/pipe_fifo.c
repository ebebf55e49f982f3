/* mkfifo: a forked writer and the reader meet through the named FIFO. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("pipe_fifo");
    OK(mkfifo("fifo", 0600));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        int w = open("fifo", O_WRONLY);
        if (w < 0)
            _exit(1);
        for (int i = 0; i < 100; i++)
            if (write(w, "0123456789", 10) != 10)
                _exit(2);
        _exit(0);
    }
    int r = open("fifo", O_RDONLY);
    OK(r);
    char buf[256];
    long total = 0;
    ssize_t n;
    while ((n = read(r, buf, sizeof buf)) > 0)
        total += n;
    printf("read %ld bytes through the fifo, writer %s\n", total, status_str(wait_child(pid)));
    close(r);
    printf("O_NONBLOCK writer without reader: %s\n", RESULT(open("fifo", O_WRONLY | O_NONBLOCK)));
    return 0;
}
