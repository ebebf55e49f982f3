/* getrlimit/setrlimit/prlimit: lowering RLIMIT_NOFILE makes open fail with EMFILE; raising
 * the hard limit back needs CAP_SYS_RESOURCE. */
#include "conf.h"
#include <sys/resource.h>

int main(void)
{
    struct rlimit rl;
    OK(getrlimit(RLIMIT_NOFILE, &rl));
    printf("soft <= hard: %d\n", rl.rlim_cur <= rl.rlim_max);
    int fds[64], n = 0, e = 0;
    struct rlimit low = {16, 32};
    OK(setrlimit(RLIMIT_NOFILE, &low));
    for (n = 0; n < 64; n++) {
        fds[n] = open("/dev/null", O_RDONLY);
        if (fds[n] < 0) {
            e = errno;
            break;
        }
    }
    printf("open stopped with %s, every fd below 16: %d\n", conf_errname(e), n > 0 && fds[n - 1] < 16);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    struct rlimit old;
    low.rlim_cur = 20;
    OK(prlimit(0, RLIMIT_NOFILE, &low, &old));
    printf("prlimit old soft %ld, hard %ld\n", (long)old.rlim_cur, (long)old.rlim_max);
    struct rlimit too_high = {64, 64};
    /* EPERM without CAP_SYS_RESOURCE; allowed with it */
    printf("raise hard above 32: %s\n", RESULT(setrlimit(RLIMIT_NOFILE, &too_high)));
    OK(getrlimit(RLIMIT_STACK, &rl));
    printf("stack limit set: %d\n", rl.rlim_cur > 0);
    return 0;
}
