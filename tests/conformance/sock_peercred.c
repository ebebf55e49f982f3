/* SO_PEERCRED on a socketpair names our own process. */
#include "conf_net.h"

int main(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct ucred cr;
    socklen_t len = sizeof cr;
    OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
    printf("peer pid is me %d, uid %d, gid %d\n", cr.pid == getpid(), cr.uid == getuid(),
           cr.gid == getgid());
    return 0;
}
