/* stdin from /dev/null (as the runner gives it) reads EOF at once. */
#include "conf.h"

int main(void)
{
    char buf[16];
    printf("read(0): %s\n", RESULT(read(0, buf, sizeof buf)));
    printf("getchar is EOF: %d\n", getchar() == EOF);
    return 0;
}
