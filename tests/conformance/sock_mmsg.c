/* sendmmsg sends three datagrams in one call; recvmmsg receives them in one call. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    struct iovec iov[3] = {{"one", 3}, {"two!", 4}, {"three", 5}};
    struct mmsghdr out[3];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        out[i].msg_hdr.msg_iov = &iov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(sv[0], out, 3, 0);
    printf("sendmmsg: %s\n", RESULT(sent));
    if (sent != 3)
        return 1;
    char bufs[3][16];
    struct iovec riov[3];
    struct mmsghdr in[3];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 3; i++) {
        riov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
        in[i].msg_hdr.msg_iov = &riov[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    int got = recvmmsg(sv[1], in, 3, MSG_DONTWAIT, NULL);
    printf("recvmmsg: %s\n", RESULT(got));
    for (int i = 0; i < got; i++)
        printf("  %u: %.*s\n", in[i].msg_len, (int)in[i].msg_len, bufs[i]);
    return 0;
}
