/* ioctl(FIONREAD) on a socket counts queued bytes; SIOCOUTQ counts the unread ones as sent but not yet
 * consumed (with overhead). */
#include "conf_net.h"
#include <linux/sockios.h>
#include <sys/ioctl.h>

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write_full(sv[0], "0123456789", 10);
    int n = -1;
    OK(ioctl(sv[1], FIONREAD, &n));
    printf("FIONREAD: %d\n", n);
    OK(ioctl(sv[0], SIOCOUTQ, &n));
    printf("SIOCOUTQ >= 10: %d\n", n >= 10);
    return 0;
}
