/* The privileged system-wide calls, in their forms that only read: adjtimex and clock_adjtime
 * with no modes (the clock's state), syslog's buffer size, acct and settimeofday refused or
 * checked without changing anything. Under mvx these run in the leader alone. */
#include "conf.h"
#include <sys/klog.h>
#include <sys/quota.h>
#include <sys/time.h>
#include <sys/timex.h>

int main(void)
{
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    printf("adjtimex read: %s\n", state == -1 ? conf_errname(errno) : "ok");
    struct timex tx2 = {.modes = 0};
    int st2 = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx2);
    printf("clock_adjtime read: %s, same state: %d\n", st2 == -1 ? conf_errname(errno) : "ok",
           st2 == state);
    /* SYSLOG_ACTION_SIZE_BUFFER (10): the size of the kernel log buffer, or EPERM. */
    int size = klogctl(10, NULL, 0);
    printf("syslog size: %s\n", size == -1 ? conf_errname(errno) : (size > 0 ? "positive" : "0"));
    /* An invalid timeval is rejected before any permission check that could let it through. */
    struct timeval bad = {.tv_sec = 0, .tv_usec = 2000000};
    int r = settimeofday(&bad, NULL);
    printf("settimeofday(invalid): %s\n", r == -1 ? conf_errname(errno) : "accepted?");
    /* quotactl on a path that does not exist: the same error everywhere. */
    int q = syscall(SYS_quotactl, QCMD(Q_GETFMT, USRQUOTA), "/nonexistent", 0, NULL);
    printf("quotactl(missing): %s\n", q == -1 ? conf_errname(errno) : "ok");
    return 0;
}
