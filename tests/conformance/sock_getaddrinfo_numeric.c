/* getaddrinfo with AI_NUMERICHOST (no name service) and inet_pton/ntop round trips. */
#include "conf_net.h"
#include <netdb.h>

int main(void)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res;
    int r = getaddrinfo("127.0.0.1", "8080", &hints, &res);
    printf("getaddrinfo: %d\n", r);
    if (r == 0) {
        struct sockaddr_in *sa = (struct sockaddr_in *)res->ai_addr;
        char buf[INET_ADDRSTRLEN];
        printf("-> %s port %d\n", inet_ntop(AF_INET, &sa->sin_addr, buf, sizeof buf),
               ntohs(sa->sin_port));
        freeaddrinfo(res);
    }
    struct in6_addr a6;
    char out[INET6_ADDRSTRLEN];
    inet_pton(AF_INET6, "fe80:0:0::1:2", &a6);
    printf("v6 round trip: %s\n", inet_ntop(AF_INET6, &a6, out, sizeof out));
    return 0;
}
