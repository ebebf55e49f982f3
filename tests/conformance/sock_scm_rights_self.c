/* SCM_RIGHTS within one process: the received descriptor is a new number sharing the file
 * offset with the original. */
#include "conf_net.h"

int main(void)
{
    int sv[2], p[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    OK(pipe(p));
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"m", 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof ctl};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
    CHECK(sendmsg(sv[0], &mh, 0) == 1);
    char rctl[CMSG_SPACE(sizeof(int))];
    char byte;
    struct iovec riov = {&byte, 1};
    struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl,
                        .msg_controllen = sizeof rctl};
    CHECK(recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC) == 1);
    int fd;
    memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&rh)), sizeof fd);
    printf("new number: %d, cloexec: %d\n", fd != p[1], fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK(write(fd, "via passed fd", 13) == 13);
    char buf[16] = {0};
    CHECK(read(p[0], buf, 13) == 13);
    printf("pipe got: %s\n", buf);
    return 0;
}
