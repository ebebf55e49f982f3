/* alarm() returns the seconds left on the previous alarm; alarm(0) cancels it. */
#include "conf.h"

int main(void)
{
    printf("first alarm: %u\n", alarm(30));
    unsigned left = alarm(0);
    printf("left in [29,30]: %d\n", left >= 29 && left <= 30);
    printf("after cancel: %u\n", alarm(0));
    return 0;
}
