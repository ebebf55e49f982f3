/* select over several pipes reports exactly the readable ones, and writability. */
#include "conf.h"
#include <sys/select.h>

int main(void)
{
    int p[4][2];
    int maxfd = 0;
    for (int i = 0; i < 4; i++) {
        OK(pipe(p[i]));
        if (p[i][1] > maxfd)
            maxfd = p[i][1];
    }
    CHECK(write(p[1][1], "a", 1) == 1);
    CHECK(write(p[3][1], "b", 1) == 1);
    fd_set rs, ws;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    for (int i = 0; i < 4; i++)
        FD_SET(p[i][0], &rs);
    FD_SET(p[0][1], &ws);
    struct timeval tv = {1, 0};
    int r = select(maxfd + 1, &rs, &ws, NULL, &tv);
    printf("select: %d ready; readable:", r);
    for (int i = 0; i < 4; i++)
        if (FD_ISSET(p[i][0], &rs))
            printf(" pipe%d", i);
    printf("; writable: %d\n", FD_ISSET(p[0][1], &ws) != 0);
    FD_ZERO(&rs);
    FD_SET(p[0][1] + 100, &rs);
    tv.tv_sec = 0;
    errno = 0;
    printf("closed fd in set: %s\n", RESULT(select(p[0][1] + 101, &rs, NULL, NULL, &tv)));
    return 0;
}
