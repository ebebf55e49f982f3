/* Interface ioctls on a socket: SIOCGIFINDEX / SIOCGIFFLAGS for "lo" (if_nametoindex does
 * the same). */
#include "conf_net.h"
#include <net/if.h>
#include <sys/ioctl.h>

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    OK(s);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    const char *r = RESULT(ioctl(s, SIOCGIFINDEX, &ifr));
    printf("SIOCGIFINDEX: %s, index > 0: %d\n", r, ifr.ifr_ifindex > 0);
    printf("SIOCGIFFLAGS: %s\n", RESULT(ioctl(s, SIOCGIFFLAGS, &ifr)));
    printf("loopback flag: %d\n", (ifr.ifr_flags & IFF_LOOPBACK) != 0);
    printf("if_nametoindex(lo) > 0: %d\n", if_nametoindex("lo") > 0);
    return 0;
}
