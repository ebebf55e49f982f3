/* Shared helpers of the conformance programs (tests/conformance/README.md).
 *
 * Every program exercises one kernel feature and prints only facts that are the same in
 * every run (no pids, addresses, times or fd numbers): "ok", counts, equalities.
 * CHECK() prints the failed condition with errno's name and exits 1. */
#ifndef CONF_H
#define CONF_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The symbolic name of an errno value ("ENOSYS"), or its number. */
static inline const char *conf_errname(int e)
{
    static char buf[16];
    const char *name = strerrorname_np(e);
    if (name)
        return name;
    snprintf(buf, sizeof buf, "%d", e);
    return buf;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            int conf_e_ = errno;                                                     \
            printf("FAIL %s:%d: %s (errno %s)\n", __FILE_NAME__, __LINE__, #cond,         \
                   conf_errname(conf_e_));                                           \
            fflush(stdout);                                                          \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* The result of a call as text: "3", or "-1 ENOENT" when it returned -1 (errno is read after
 * the call, which printf's argument order would not guarantee). Eight results can be used in
 * one printf. */
#define RESULT(call) conf_result_((long)(call))
static inline const char *conf_result_(long r)
{
    static char bufs[8][48];
    static int next;
    int e = errno;
    char *b = bufs[next++ % 8];
    if (r == -1)
        snprintf(b, sizeof bufs[0], "-1 %s", conf_errname(e));
    else
        snprintf(b, sizeof bufs[0], "%ld", r);
    return b;
}

/* A call that returns -1 on error. */
#define OK(call) CHECK((call) != -1)

/* Prints "what: ok" or "what: failed ERRNO" for a call returning -1 on error; returns the
 * call's result. For features whose failure is the observation. */
#define REPORT(what, call)                                                           \
    ({                                                                               \
        long conf_r_ = (long)(call);                                                 \
        if (conf_r_ == -1)                                                           \
            printf("%s: failed %s\n", what, conf_errname(errno));                    \
        else                                                                         \
            printf("%s: ok\n", what);                                                \
        conf_r_;                                                                     \
    })

/* stdout is a pipe under the runner: line buffering keeps the order of lines written by
 * several processes the order of the calls, and nothing is written twice after fork. */
__attribute__((constructor)) static void conf_init_stdout(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static char conf_dir_[256];
static char conf_home_[4096];

static int conf_rm_(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void conf_rmtree_(const char *dir)
{
    nftw(dir, conf_rm_, 16, FTW_DEPTH | FTW_PHYS);
}

static pid_t conf_owner_;

static void conf_cleanup_(void)
{
    if (getpid() != conf_owner_ || !conf_dir_[0])
        return;
    if (chdir(conf_home_) == 0)
        conf_rmtree_(conf_dir_);
}

/* Creates a fixed-name scratch directory in the current directory (removing a stale one),
 * enters it, and removes it at exit (of this process, not of its children). */
static inline void enter_tmpdir(const char *name)
{
    CHECK(getcwd(conf_home_, sizeof conf_home_) != NULL);
    snprintf(conf_dir_, sizeof conf_dir_, "%s.tmp", name);
    conf_rmtree_(conf_dir_);
    OK(mkdir(conf_dir_, 0700));
    OK(chdir(conf_dir_));
    conf_owner_ = getpid();
    atexit(conf_cleanup_);
}

/* Writes a whole buffer to a new file (relative to the current directory). */
static inline void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    OK(close(fd));
}

/* Reads up to cap-1 bytes of a file into buf, NUL-terminated; returns the length. */
static inline ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        CHECK(r >= 0);
        if (r == 0 || len + r == cap - 1) {
            len += r;
            break;
        }
        len += r;
    }
    buf[len] = 0;
    close(fd);
    return len;
}

/* Milliseconds on the monotonic clock. */
static inline long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* waitpid that retries on EINTR; returns the status. */
static inline int wait_child(pid_t pid)
{
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
        ;
    CHECK(r == pid);
    return status;
}

/* "exit N" or "signal N". */
static inline const char *status_str(int status)
{
    static char buf[32];
    if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, sizeof buf, "status 0x%x", status);
    return buf;
}

static inline pid_t conf_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

#endif
