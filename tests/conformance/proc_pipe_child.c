/* Parent and child talk through two pipes: numbers down, their sum back. */
#include "conf.h"

int main(void)
{
    int down[2], up[2];
    OK(pipe(down));
    OK(pipe(up));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        long sum = 0;
        int v;
        ssize_t n;
        while ((n = read(down[0], &v, sizeof v)) == sizeof v)
            sum += v;
        if (write(up[1], &sum, sizeof sum) != sizeof sum)
            _exit(1);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    for (int i = 1; i <= 10000; i++)
        CHECK(write(down[1], &i, sizeof i) == sizeof i);
    close(down[1]);
    long sum = 0;
    CHECK(read(up[0], &sum, sizeof sum) == sizeof sum);
    printf("child summed %ld, %s\n", sum, status_str(wait_child(pid)));
    return 0;
}
