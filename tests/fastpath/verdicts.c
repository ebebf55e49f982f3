/* One case per fast-path call (the syscall table's `fast` entries), for
 * tests/fastpath_verdicts.rs: `verdicts CASE DIR` sets up, makes the call once through libc
 * (whose wrappers the preload library turns into fast-path calls above `strict`) and exits.
 * Built twice: plain, and with -DDIFFER, where the call differs only in what the case says
 * (a value, the bytes handed to the kernel, an iovec length, whether a pointer is NULL, or
 * the call itself for calls without arguments). `verdicts --list` prints each case with the
 * kind of fd it uses (none, file, socket). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifdef DIFFER
#define PICK(a, b) (b)
#else
#define PICK(a, b) (a)
#endif

static char buf[64];
static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq";

/* Setup writes go around libc's wrappers: never on the fast path, the same in every variant. */
static void raw_write(int fd, const void *p, size_t n) {
    if (syscall(SYS_write, fd, p, n) != (long)n) {
        perror("setup write");
        exit(3);
    }
}

/* A pipe holding 64 bytes: its read end. */
static int full_pipe(void) {
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(3);
    }
    raw_write(p[1], data, 64);
    return p[0];
}

/* A channel to another process, for the write cases: a child holds the other end and drains
 * it until this process is done. (Writes to a channel a process holds both ends of stay in
 * lock-step at every level: threads notify each other through such channels.) `make` is
 * pipe(2) or a socketpair; returns this process's end. */
static int outward(int (*make)(int fds[2])) {
    int p[2];
    if (make(p) != 0) {
        perror("channel");
        exit(3);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(3);
    }
    if (pid == 0) {
        char drain[256];
        close(p[0]);
        while (read(p[1], drain, sizeof drain) > 0)
            ;
        _exit(0);
    }
    close(p[1]);
    return p[0];
}
static int stream_pair(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
}
/* pipe(2) with its ends swapped: the write end first, as `outward` keeps the first. */
static int write_pipe(int fds[2]) {
    int p[2];
    if (pipe(p) != 0) return -1;
    fds[0] = p[1];
    fds[1] = p[0];
    return 0;
}

static int file_in(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/file", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror("open");
        exit(3);
    }
    raw_write(fd, data, 64);
    return fd;
}

/* A connected socket pair with 64 bytes waiting in sv[0]. */
static void sockets(int sv[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        exit(3);
    }
    raw_write(sv[1], data, 64);
}

static int c_read(const char *dir) {
    (void)dir;
    return read(full_pipe(), buf, PICK(8, 9)) < 0;
}

static int c_write(const char *dir) {
    (void)dir;
    return write(outward(write_pipe), PICK("same", "diff"), 4) < 0;
}

static int c_pread64(const char *dir) {
    return pread(file_in(dir), buf, 8, PICK(0, 1)) < 0;
}

static int c_pwrite64(const char *dir) {
    return pwrite(file_in(dir), PICK("same", "diff"), 4, 8) < 0;
}

/* The same 8 bytes asked for, split differently: where the leader's bytes land differs. */
static int c_readv(const char *dir) {
    struct iovec iov[2] = {{buf, PICK(3, 4)}, {buf + 16, PICK(5, 4)}};
    (void)dir;
    return readv(full_pipe(), iov, 2) < 0;
}

static int c_writev(const char *dir) {
    struct iovec iov[2] = {{(void *)"same", 4}, {(void *)PICK("tail", "TAIL"), 4}};
    (void)dir;
    return writev(outward(write_pipe), iov, 2) < 0;
}

static int c_sendto(const char *dir) {
    (void)dir;
    return send(outward(stream_pair), PICK("same", "diff"), 4, 0) < 0;
}

static int c_recvfrom(const char *dir) {
    int sv[2];
    (void)dir;
    sockets(sv);
    return recv(sv[0], buf, PICK(8, 9), 0) < 0;
}

/* fd-table, metadata and readiness calls (the fast path's socket levels). */
static char path_a[4096], path_b[4096];
static void paths(const char *dir) {
    close(file_in(dir));
    snprintf(path_a, sizeof path_a, "%s/file", dir);
    snprintf(path_b, sizeof path_b, "%s", dir);
}
static int c_lseek(const char *dir) {
    return lseek(file_in(dir), PICK(0, 1), SEEK_SET) < 0;
}
static int c_sendfile(const char *dir) {
    int f = file_in(dir);
    return sendfile(outward(stream_pair), f, NULL, PICK(4, 5)) < 0;
}
static int c_fstat(const char *dir) {
    struct stat st;
    int a = file_in(dir), b = full_pipe();
    (void)a;
    (void)b;
    return fstat(PICK(a, b), &st) != 0;
}
static int c_fstatfs(const char *dir) {
    struct statfs st;
    int a = file_in(dir), b = full_pipe();
    (void)a;
    (void)b;
    return fstatfs(PICK(a, b), &st) != 0;
}
static int c_newfstatat(const char *dir) {
    struct stat st;
    paths(dir);
    return stat(PICK(path_a, path_b), &st) != 0;
}
static int c_statx(const char *dir) {
    struct statx st;
    paths(dir);
    return statx(AT_FDCWD, PICK(path_a, path_b), 0, STATX_BASIC_STATS, &st) != 0;
}
static int c_statfs(const char *dir) {
    struct statfs st;
    paths(dir);
    return statfs(PICK(path_a, path_b), &st) != 0;
}
static int c_openat(const char *dir) {
    paths(dir);
    return open(PICK(path_a, path_b), O_RDONLY) < 0;
}
static int c_close(const char *dir) {
    int a = file_in(dir), b = outward(write_pipe);
    (void)a;
    (void)b;
    return close(PICK(a, b)) != 0;
}
/* A listening socket with a connection waiting. */
static int listening(const char *dir) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", dir);
    unlink(sa.sun_path); /* left by the previous run of the case */
    int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 4) != 0 ||
        connect(c, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("listening socket");
        exit(3);
    }
    return l;
}
static struct sockaddr_un peer __attribute__((unused));
static socklen_t peer_len __attribute__((unused)) = sizeof peer;
static int c_accept(const char *dir) {
    int l = listening(dir);
    return accept(l, PICK(NULL, (struct sockaddr *)&peer), PICK(NULL, &peer_len)) < 0;
}
static int c_accept4(const char *dir) {
    int l = listening(dir);
    return accept4(l, NULL, NULL, PICK(0, SOCK_CLOEXEC)) < 0;
}
static int c_poll(const char *dir) {
    struct pollfd p = {.fd = full_pipe(), .events = PICK(POLLIN, POLLOUT)};
    (void)dir;
    return poll(&p, 1, 0) < 0;
}
static int c_epoll_ctl(const char *dir) {
    struct epoll_event ev = {.events = PICK(EPOLLIN, EPOLLOUT), .data.u64 = 7};
    int ep = epoll_create1(0);
    (void)dir;
    return epoll_ctl(ep, EPOLL_CTL_ADD, full_pipe(), &ev) != 0;
}
/* An epoll instance with a readable pipe registered. */
static int ready_epoll(void) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    int ep = epoll_create1(0);
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, full_pipe(), &ev) != 0) {
        perror("epoll setup");
        exit(3);
    }
    return ep;
}
static int c_epoll_wait(const char *dir) {
    struct epoll_event ev[2];
    (void)dir;
    return epoll_wait(ready_epoll(), ev, PICK(1, 2), 0) != 1 || ev[0].data.u64 != 7;
}
static int c_epoll_pwait(const char *dir) {
    struct epoll_event ev[2];
    (void)dir;
    return epoll_pwait(ready_epoll(), ev, PICK(1, 2), 0, NULL) != 1 || ev[0].data.u64 != 7;
}
static int c_shutdown(const char *dir) {
    (void)dir;
    return shutdown(outward(stream_pair), PICK(SHUT_RD, SHUT_WR)) != 0;
}
static int c_getsockopt(const char *dir) {
    int sv[2], v;
    socklen_t len = sizeof v;
    (void)dir;
    sockets(sv);
    return getsockopt(sv[0], SOL_SOCKET, PICK(SO_TYPE, SO_ERROR), &v, &len) != 0;
}
/* The message calls: the payload (sendmsg), the flags (recvmsg) differ. */
static int c_sendmsg(const char *dir) {
    struct iovec iov[2] = {{(void *)"same", 4}, {(void *)PICK("tail", "TAIL"), 4}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    (void)dir;
    return sendmsg(outward(stream_pair), &m, 0) != 8;
}
static int c_recvmsg(const char *dir) {
    int sv[2];
    struct iovec iov[2] = {{buf, 3}, {buf + 16, 5}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    (void)dir;
    sockets(sv);
    return recvmsg(sv[0], &m, PICK(0, MSG_PEEK)) != 8 || memcmp(buf + 16, "34567", 5) != 0;
}
static int c_setsockopt(const char *dir) {
    int v = PICK(1, 0);
    (void)dir;
    return setsockopt(outward(stream_pair), SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) != 0;
}
static int c_ppoll(const char *dir) {
    struct pollfd p = {.fd = full_pipe(), .events = PICK(POLLIN, POLLOUT)};
    struct timespec zero = {0, 0};
    (void)dir;
    return ppoll(&p, 1, &zero, NULL) < 0;
}
/* select and pselect (without a mask): the same set, a different nfds. */
static int c_select(const char *dir) {
    int fd = full_pipe();
    fd_set r;
    struct timeval zero = {0, 0};
    (void)dir;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    return select(fd + PICK(1, 2), &r, NULL, NULL, &zero) != 1 || !FD_ISSET(fd, &r);
}
static int c_pselect6(const char *dir) {
    int fd = full_pipe();
    fd_set r;
    struct timespec zero = {0, 0};
    (void)dir;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    return pselect(fd + PICK(1, 2), &r, NULL, NULL, &zero, NULL) != 1 || !FD_ISSET(fd, &r);
}
static time_t t __attribute__((unused));
static struct timezone tz __attribute__((unused));

static int c_time(const char *dir) {
    (void)dir;
    return time(PICK(NULL, &t)) == (time_t)-1;
}

static int c_gettimeofday(const char *dir) {
    struct timeval tv;
    (void)dir;
    return gettimeofday(&tv, PICK(NULL, &tz)) != 0;
}

static int c_clock_gettime(const char *dir) {
    struct timespec ts;
    (void)dir;
    return clock_gettime(PICK(CLOCK_REALTIME, CLOCK_MONOTONIC), &ts) != 0;
}

/* Calls without arguments differ by being another call. */
#define ID_CASE(name, other) \
    static int c_##name(const char *dir) { \
        (void)dir; \
        (void)PICK(name, other)(); \
        return 0; \
    }
ID_CASE(getpid, getppid)
ID_CASE(getppid, getpid)
ID_CASE(gettid, getpid)
ID_CASE(getuid, geteuid)
ID_CASE(geteuid, getuid)
ID_CASE(getgid, getegid)
ID_CASE(getegid, getgid)

static const struct {
    const char *name, *fd;
    int (*run)(const char *dir);
} cases[] = {
    {"read", "file", c_read},
    {"write", "file", c_write},
    {"pread64", "file", c_pread64},
    {"pwrite64", "file", c_pwrite64},
    {"readv", "file", c_readv},
    {"writev", "file", c_writev},
    {"sendto", "socket", c_sendto},
    {"recvfrom", "socket", c_recvfrom},
    {"time", "none", c_time},
    {"gettimeofday", "none", c_gettimeofday},
    {"clock_gettime", "none", c_clock_gettime},
    {"getpid", "none", c_getpid},
    {"getppid", "none", c_getppid},
    {"gettid", "none", c_gettid},
    {"getuid", "none", c_getuid},
    {"geteuid", "none", c_geteuid},
    {"getgid", "none", c_getgid},
    {"getegid", "none", c_getegid},
    {"lseek", "file", c_lseek},
    {"sendfile", "socket", c_sendfile},
    {"fstat", "file", c_fstat},
    {"fstatfs", "file", c_fstatfs},
    {"newfstatat", "file", c_newfstatat},
    {"statx", "file", c_statx},
    {"statfs", "file", c_statfs},
    {"openat", "file", c_openat},
    {"close", "file", c_close},
    {"accept", "socket", c_accept},
    {"accept4", "socket", c_accept4},
    {"poll", "file", c_poll},
    {"epoll_ctl", "file", c_epoll_ctl},
    {"epoll_wait", "file", c_epoll_wait},
    {"epoll_pwait", "file", c_epoll_pwait},
    {"shutdown", "socket", c_shutdown},
    {"getsockopt", "socket", c_getsockopt},
    {"sendmsg", "socket", c_sendmsg},
    {"recvmsg", "socket", c_recvmsg},
    {"setsockopt", "socket", c_setsockopt},
    {"ppoll", "file", c_ppoll},
    {"select", "file", c_select},
    {"pselect6", "file", c_pselect6},
};

int main(int argc, char **argv) {
    size_t n = sizeof cases / sizeof cases[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s %s\n", cases[i].name, cases[i].fd);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: verdicts CASE DIR | verdicts --list\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], cases[i].name) == 0) return cases[i].run(argv[2]);
    fprintf(stderr, "verdicts: no case %s\n", argv[1]);
    return 2;
}
