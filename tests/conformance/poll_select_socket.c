/* select on a unix socketpair from a forked writer: wakes when the child writes. */
#include "conf_net.h"
#include <sys/select.h>

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        sleep_ms(10);
        write(sv[1], "wake", 4);
        _exit(0);
    }
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(sv[0], &rs);
    struct timeval tv = {5, 0};
    int r = select(sv[0] + 1, &rs, NULL, NULL, &tv);
    char buf[8] = {0};
    read_full(sv[0], buf, 4);
    printf("select: %d, got %s\n", r, buf);
    wait_child(pid);
    return 0;
}
