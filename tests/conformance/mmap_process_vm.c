/* process_vm_readv/writev on a child: read its memory and write into it. */
#include "conf.h"
#include <sys/uio.h>

static char buffer[64] = "child's data";

int main(void)
{
    int go[2], back[2];
    OK(pipe(go));
    OK(pipe(back));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        strcpy(buffer, "set by the child");
        char c = 1;
        write(back[1], &c, 1);
        read(go[0], &c, 1);
        write(back[1], buffer, 20);
        _exit(0);
    }
    char c;
    CHECK(read(back[0], &c, 1) == 1);
    char got[64] = {0};
    struct iovec local = {got, 16}, remote = {buffer, 16};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    printf("readv: %s %.16s\n", RESULT(n), n > 0 ? got : "");
    struct iovec wl = {"PARENT WROTE!!!!", 16};
    n = process_vm_writev(pid, &wl, 1, &remote, 1, 0);
    printf("writev: %s\n", RESULT(n));
    CHECK(write(go[1], &c, 1) == 1);
    char after[21] = {0};
    CHECK(read(back[0], after, 20) == 20);
    printf("child now has: %.16s\n", after);
    wait_child(pid);
    return 0;
}
