/* PTRACE_SEIZE + PTRACE_INTERRUPT of our own child, PTRACE_PEEKDATA of a known word, then
 * detach. Under a ptrace-based monitor this fails (EPERM: the child is already traced) and
 * the program reports it without hanging. */
#include "conf.h"
#include <sys/ptrace.h>

static volatile long marker = 0x1234567;

int main(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1); /* until the parent is done */
        _exit(0);
    }
    close(fds[0]);
    long r = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
    int e = errno;
    printf("PTRACE_SEIZE: %s\n", r == 0 ? "ok" : conf_errname(e));
    if (r == 0) {
        OK(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        printf("interrupted: %d\n", WIFSTOPPED(st));
        errno = 0;
        long word = ptrace(PTRACE_PEEKDATA, pid, (void *)&marker, NULL);
        printf("peeked marker: %d\n", errno == 0 && word == 0x1234567);
        OK(ptrace(PTRACE_DETACH, pid, NULL, NULL));
    }
    close(fds[1]);
    printf("child %s\n", status_str(wait_child(pid)));
    return 0;
}
