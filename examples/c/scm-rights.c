/* Passing an fd between processes (SCM_RIGHTS): the parent creates a pipe and sends its write
 * end to a forked child over a unix socketpair; the child opens the file named on the command
 * line, copies it into the fd it received, and exits; the parent reads the pipe to its end and
 * prints what came through. Usage: scm-rights FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void send_fd(int sock, int fd) {
    char byte = 'F';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &msg, 0) != 1) {
        perror("sendmsg");
        exit(1);
    }
}

static int receive_fd(int sock) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    if (recvmsg(sock, &msg, 0) != 1) {
        perror("recvmsg");
        exit(1);
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "no fd in the message\n");
        exit(1);
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: scm-rights FILE\n");
        return 2;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        perror("socketpair");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(sv[0]);
        int out = receive_fd(sv[1]);
        close(sv[1]);
        int in = open(argv[1], O_RDONLY);
        if (in < 0) {
            perror(argv[1]);
            _exit(1);
        }
        char buf[4096];
        ssize_t n;
        static const char hello[] = "child: writing through the fd it was passed\n";
        write(out, hello, sizeof hello - 1);
        while ((n = read(in, buf, sizeof buf)) > 0)
            write(out, buf, (size_t)n);
        close(in);
        close(out);
        _exit(0);
    }
    close(sv[1]);
    int p[2];
    if (pipe(p) < 0) {
        perror("pipe");
        return 1;
    }
    send_fd(sv[0], p[1]);
    close(p[1]);
    close(sv[0]);
    char buf[4096];
    ssize_t n;
    size_t total = 0;
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        fwrite(buf, 1, (size_t)n, stdout);
        total += (size_t)n;
    }
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    printf("parent: read %zu bytes; child exited with %d\n", total,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
