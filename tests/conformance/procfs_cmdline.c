/* /proc/self/cmdline holds argv NUL-separated; /proc/self/exe names this program. */
#include "conf.h"

int main(int argc, char **argv)
{
    if (argc == 1) {
        char *nargv[] = {argv[0], "first arg", "", "third", NULL};
        execv("/proc/self/exe", nargv);
        printf("exec failed: %s\n", conf_errname(errno));
        return 1;
    }
    char buf[4096];
    ssize_t n = read_file("/proc/self/cmdline", buf, sizeof buf);
    int args = 0;
    for (ssize_t i = 0; i < n; i++)
        args += buf[i] == 0;
    printf("NUL-terminated args: %d\n", args);
    const char *p = buf + strlen(buf) + 1;
    printf("argv[1] = \"%s\"", p);
    p += strlen(p) + 1;
    printf(", argv[2] = \"%s\"", p);
    p += strlen(p) + 1;
    printf(", argv[3] = \"%s\"\n", p);
    printf("argv[0] matches: %d\n", strcmp(buf, argv[0]) == 0);
    char exe[4096] = {0};
    CHECK(readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
    const char *base = strrchr(exe, '/');
    printf("exe basename: %s\n", base ? base + 1 : exe);
    return 0;
}
