/* /proc/self resolves to our pid; /proc/thread-self to our tid. */
#include "conf.h"

int main(void)
{
    char buf[64] = {0};
    CHECK(readlink("/proc/self", buf, sizeof buf - 1) > 0);
    printf("/proc/self is getpid: %d\n", atoi(buf) == getpid());
    memset(buf, 0, sizeof buf);
    CHECK(readlink("/proc/thread-self", buf, sizeof buf - 1) > 0);
    int pid = 0, tid = 0;
    sscanf(buf, "%d/task/%d", &pid, &tid);
    printf("/proc/thread-self is pid/task/tid: %d\n", pid == getpid() && tid == conf_gettid());
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)getpid());
    printf("/proc/<getpid> readable: %d\n", access(path, R_OK) == 0);
    return 0;
}
