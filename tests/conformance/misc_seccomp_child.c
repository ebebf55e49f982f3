/* A child installs its own seccomp filter (after PR_SET_NO_NEW_PRIVS) that makes getppid fail
 * with EPERM; other calls still work; the parent is unaffected. */
#include "conf.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {sizeof f / sizeof f[0], f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            _exit(10);
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
            _exit(11);
        errno = 0;
        long r = syscall(SYS_getppid);
        _exit(r == -1 && errno == EPERM ? (getpid() > 0 ? 0 : 3) : 2);
    }
    printf("child with filter: %s\n", status_str(wait_child(pid)));
    printf("parent getppid works: %d\n", getppid() > 0);
    return 0;
}
