/* /proc/self/limits reflects a lowered RLIMIT_NOFILE. */
#include "conf.h"
#include <sys/resource.h>

int main(void)
{
    struct rlimit rl = {100, 200};
    OK(setrlimit(RLIMIT_NOFILE, &rl));
    char buf[4096];
    read_file("/proc/self/limits", buf, sizeof buf);
    char *line = strstr(buf, "Max open files");
    CHECK(line);
    long soft = 0, hard = 0;
    sscanf(line + strlen("Max open files"), "%ld %ld", &soft, &hard);
    printf("Max open files: %ld %ld\n", soft, hard);
    return 0;
}
