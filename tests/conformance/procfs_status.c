/* /proc/self/status: Name is the program's, State R, Threads 1, Pid/PPid/Tgid consistent
 * with getpid/getppid, Uid matches getuid. */
#include "conf.h"

static long field(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

int main(void)
{
    static char buf[8192];
    read_file("/proc/self/status", buf, sizeof buf);
    char name[64] = {0};
    sscanf(strstr(buf, "Name:") + 5, "%63s", name);
    char state = 0;
    sscanf(strstr(buf, "State:") + 6, " %c", &state);
    printf("Name: %s\n", name);
    printf("State: %c\n", state);
    printf("Threads: %ld\n", field(buf, "Threads:"));
    printf("Pid is getpid: %d, Tgid is getpid: %d, PPid is getppid: %d\n",
           field(buf, "\nPid:") == getpid(), field(buf, "Tgid:") == getpid(),
           field(buf, "PPid:") == getppid());
    printf("Uid is getuid: %d\n", field(buf, "Uid:") == (long)getuid());
    printf("has VmRSS: %d, has SigBlk: %d\n", strstr(buf, "VmRSS:") != NULL,
           strstr(buf, "SigBlk:") != NULL);
    return 0;
}
