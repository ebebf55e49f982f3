/* An exited, unreaped child is a zombie ('Z' in /proc/PID/stat) until waited for. */
#include "conf.h"

static char state_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '-';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0)
        _exit(0);
    char s = '?';
    for (int i = 0; i < 500 && (s = state_of(pid)) != 'Z'; i++)
        sleep_ms(2);
    printf("before wait: %c\n", s);
    wait_child(pid);
    printf("after wait: %c\n", state_of(pid));
    return 0;
}
