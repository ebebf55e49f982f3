/* nanosleep sleeps at least as long as asked; an invalid tv_nsec is EINVAL. */
#include "conf.h"

int main(void)
{
    struct timespec ts = {0, 20 * 1000000}, rem = {9, 9};
    long long t0 = mono_ms();
    OK(nanosleep(&ts, &rem));
    long long dt = mono_ms() - t0;
    printf("slept >= 19ms: %d, < 1s: %d\n", dt >= 19, dt < 1000);
    struct timespec bad = {0, 1000000000};
    errno = 0;
    printf("tv_nsec = 1e9: %s\n", RESULT(nanosleep(&bad, NULL)));
    return 0;
}
