/* PTRACE_TRACEME in a child, which then stops itself with SIGSTOP: the parent sees the
 * ptrace-stop, continues it and reaps it. Under a ptrace-based monitor the request fails
 * (the process is already traced): the child then reports the errno, and nothing hangs. */
#include "conf.h"
#include <sys/ptrace.h>

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        int e = errno;
        char res = r == 0 ? 0 : (char)e;
        write(fds[1], &res, 1);
        if (r == 0)
            raise(SIGSTOP);
        _exit(r == 0 ? 0 : 1);
    }
    char res = -1;
    CHECK(read(fds[0], &res, 1) == 1);
    printf("PTRACE_TRACEME: %s\n", res == 0 ? "ok" : conf_errname(res));
    if (res == 0) {
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        printf("child stopped by SIGSTOP: %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
        OK(ptrace(PTRACE_CONT, pid, NULL, NULL));
    }
    printf("child %s\n", status_str(wait_child(pid)));
    return 0;
}
