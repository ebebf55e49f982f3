/* prctl(PR_SET_NAME) changes /proc/self/comm; writing comm changes PR_GET_NAME. */
#include "conf.h"
#include <sys/prctl.h>

int main(void)
{
    OK(prctl(PR_SET_NAME, "conf-renamed", 0, 0, 0));
    char name[17] = {0}, buf[64];
    OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    read_file("/proc/self/comm", buf, sizeof buf);
    printf("PR_GET_NAME: %s, comm: %s", name, buf);
    OK(prctl(PR_SET_NAME, "a-very-long-name-truncated", 0, 0, 0));
    OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("truncated to 15: %s\n", name);
    int fd = open("/proc/self/comm", O_WRONLY);
    OK(fd);
    CHECK(write(fd, "via-proc", 8) == 8);
    close(fd);
    OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("after writing comm: %s\n", name);
    return 0;
}
