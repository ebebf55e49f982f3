/* /proc/self/stat: the comm field, state R, ppid equals getppid, num_threads 1; /proc/self/statm
 * has 7 fields. */
#include "conf.h"

int main(void)
{
    char buf[4096];
    read_file("/proc/self/stat", buf, sizeof buf);
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    CHECK(open_paren && close_paren);
    printf("comm: %.*s\n", (int)(close_paren - open_paren - 1), open_paren + 1);
    printf("pid field is getpid: %d\n", atoi(buf) == getpid());
    char state;
    int ppid;
    long threads = 0;
    CHECK(sscanf(close_paren + 2, "%c %d", &state, &ppid) == 2);
    /* field 20 is num_threads; after ')' the fields start at 3 */
    char *p = close_paren + 2;
    for (int field = 3; field < 20 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (p)
        threads = strtol(p, NULL, 10);
    printf("state %c, ppid is getppid %d, threads %ld\n", state, ppid == getppid(), threads);
    read_file("/proc/self/statm", buf, sizeof buf);
    long f[7];
    printf("statm fields: %d\n", sscanf(buf, "%ld %ld %ld %ld %ld %ld %ld", &f[0], &f[1], &f[2], &f[3],
                                        &f[4], &f[5], &f[6]));
    return 0;
}
