/* Twelve children exit with their index; wait(-1) collects every status. */
#include "conf.h"

int main(void)
{
    for (int i = 0; i < 12; i++) {
        pid_t pid = fork();
        OK(pid);
        if (pid == 0)
            _exit(i);
    }
    int sum = 0, count = 0, st;
    pid_t r;
    while ((r = wait(&st)) > 0) {
        count++;
        sum += WEXITSTATUS(st);
    }
    printf("reaped %d, status sum %d, then %s\n", count, sum, conf_errname(errno));
    return 0;
}
