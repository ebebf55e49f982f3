/* SO_PASSCRED + SCM_CREDENTIALS: the receiver learns the sender's pid, uid and gid. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int on = 1;
    OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        send(sv[0], "c", 1, 0);
        _exit(0);
    }
    char byte;
    char ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {&byte, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof ctl};
    CHECK(recvmsg(sv[1], &mh, 0) == 1);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    CHECK(cm && cm->cmsg_type == SCM_CREDENTIALS);
    struct ucred cr;
    memcpy(&cr, CMSG_DATA(cm), sizeof cr);
    printf("pid is the child: %d, uid %d, gid %d\n", cr.pid == pid, cr.uid == getuid(),
           cr.gid == getgid());
    wait_child(pid);
    return 0;
}
