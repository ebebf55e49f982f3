/* MSG_PEEK leaves the data queued; MSG_DONTWAIT on an empty socket is EAGAIN; MSG_WAITALL. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write_full(sv[0], "peekaboo", 8);
    char buf[16] = {0};
    printf("peek: %zd %s\n", recv(sv[1], buf, 4, MSG_PEEK), buf);
    memset(buf, 0, sizeof buf);
    printf("read: %zd %s\n", recv(sv[1], buf, sizeof buf, 0), buf);
    errno = 0;
    printf("dontwait: %s\n", RESULT(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        for (int i = 0; i < 4; i++) {
            write(sv[0], "ab", 2);
            sleep_ms(2);
        }
        _exit(0);
    }
    memset(buf, 0, sizeof buf);
    printf("waitall: %zd %s\n", recv(sv[1], buf, 8, MSG_WAITALL), buf);
    wait_child(pid);
    return 0;
}
