/* sendmsg gathers an iovec; recvmsg scatters into another shape. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct iovec out[3] = {{"scatter", 7}, {"-", 1}, {"gather", 6}};
    struct msghdr mh = {.msg_iov = out, .msg_iovlen = 3};
    printf("sendmsg: %zd\n", sendmsg(sv[0], &mh, 0));
    char a[5] = {0}, b[10] = {0};
    struct iovec in[2] = {{a, 4}, {b, 9}};
    struct msghdr rh = {.msg_iov = in, .msg_iovlen = 2};
    ssize_t n = recvmsg(sv[1], &rh, MSG_WAITALL);
    printf("recvmsg: %zd -> [%s][%s]\n", n, a, b);
    return 0;
}
