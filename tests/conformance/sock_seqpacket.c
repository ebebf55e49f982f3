/* SOCK_SEQPACKET socketpair: records with boundaries, MSG_TRUNC flag in recvmsg, EOF. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    OK(send(sv[0], "record-1", 8, 0));
    OK(send(sv[0], "r2", 2, 0));
    char buf[4];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(sv[1], &mh, 0);
    printf("first: %zd bytes, MSG_TRUNC %d\n", n, (mh.msg_flags & MSG_TRUNC) != 0);
    mh.msg_flags = 0;
    n = recvmsg(sv[1], &mh, 0);
    printf("second: %zd bytes, MSG_TRUNC %d\n", n, (mh.msg_flags & MSG_TRUNC) != 0);
    close(sv[0]);
    printf("eof: %zd\n", recv(sv[1], buf, sizeof buf, 0));
    return 0;
}
