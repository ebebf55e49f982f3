/* A NETLINK_ROUTE socket dumps the links: the loopback interface is among them. */
#include "conf_net.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

int main(void)
{
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    OK(s);
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {.h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
             .i = {.ifi_family = AF_UNSPEC}};
    OK(send(s, &req, sizeof req, 0));
    static char buf[65536];
    int done = 0, links = 0, lo = 0;
    while (!done) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        CHECK(n > 0);
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            if (h->nlmsg_type != RTM_NEWLINK)
                continue;
            links++;
            struct ifinfomsg *ifi = NLMSG_DATA(h);
            lo |= (ifi->ifi_flags & IFF_LOOPBACK) != 0;
        }
    }
    printf("links >= 1: %d, loopback present: %d\n", links >= 1, lo);
    return 0;
}
