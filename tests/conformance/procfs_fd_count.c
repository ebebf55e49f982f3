/* /proc/self/fd gains one entry per open descriptor and loses it at close. */
#include "conf.h"
#include <dirent.h>

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    CHECK(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

int main(void)
{
    int base = count_fds();
    int a = open("/dev/null", O_RDONLY), b = dup(a);
    int p[2];
    OK(pipe(p));
    printf("after opening 4: +%d\n", count_fds() - base);
    close(a);
    close(p[0]);
    printf("after closing 2: +%d\n", count_fds() - base);
    char path[64], target[64] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", b);
    CHECK(readlink(path, target, sizeof target - 1) > 0);
    printf("fd link: %s\n", target);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    CHECK(readlink(path, target, sizeof target - 1) > 0);
    printf("pipe link starts with pipe: %d\n", strncmp(target, "pipe:[", 6) == 0);
    return 0;
}
