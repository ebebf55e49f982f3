/* wait4 fills a struct rusage for the child; getrusage(RUSAGE_CHILDREN) grows. */
#include "conf.h"
#include <sys/resource.h>

int main(void)
{
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 20000000; i++)
            x += i;
        _exit(0);
    }
    int st;
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    CHECK(wait4(pid, &st, 0, &ru) == pid);
    printf("%s, utime filled: %d, maxrss > 0: %d\n", status_str(st),
           ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
           ru.ru_maxrss > 0);
    struct rusage ch;
    OK(getrusage(RUSAGE_CHILDREN, &ch));
    printf("children rusage has cpu: %d\n",
           ch.ru_utime.tv_sec + ch.ru_utime.tv_usec + ch.ru_stime.tv_sec + ch.ru_stime.tv_usec > 0);
    return 0;
}
