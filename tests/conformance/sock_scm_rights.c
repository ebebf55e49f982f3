/* SCM_RIGHTS: a file descriptor sent over a unix socket is usable by the receiver. */
#include "conf_net.h"

int main(void)
{
    enter_tmpdir("sock_scm_rights");
    write_file("payload", "read through a passed fd", 24);
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        close(sv[0]);
        char byte;
        char ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {&byte, 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                            .msg_controllen = sizeof ctl};
        if (recvmsg(sv[1], &mh, 0) != 1)
            _exit(1);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        if (!cm || cm->cmsg_type != SCM_RIGHTS)
            _exit(2);
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
        char buf[32] = {0};
        if (pread(fd, buf, 24, 0) != 24)
            _exit(3);
        printf("child read: %s\n", buf);
        _exit(0);
    }
    close(sv[1]);
    int fd = open("payload", O_RDONLY);
    OK(fd);
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"x", 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof ctl};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    CHECK(sendmsg(sv[0], &mh, 0) == 1);
    printf("child %s\n", status_str(wait_child(pid)));
    return 0;
}
