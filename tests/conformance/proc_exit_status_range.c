/* exit statuses are taken modulo 256; a grandchild's status travels through its parent. */
#include "conf.h"

int main(void)
{
    int codes[] = {0, 1, 255, 256, 300};
    for (int i = 0; i < 5; i++) {
        pid_t pid = fork();
        OK(pid);
        if (pid == 0)
            exit(codes[i]);
        printf("exit(%d) -> %s\n", codes[i], status_str(wait_child(pid)));
    }
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(21);
        int st = wait_child(g);
        _exit(WEXITSTATUS(st) + 1);
    }
    printf("grandchild chain -> %s\n", status_str(wait_child(pid)));
    return 0;
}
