/* A tiny HTTP/1.0 server in the spirit of Tinyhttpd: fork per request, a random request id in a
 * response header (a sync region: the leader's id in every variant).
 * Usage: httpd PORT REQUESTS   (PORT 0: pick one and print "port N"; REQUESTS 0: serve until
 * killed, for load generators). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void serve(int client) {
    char req[1024];
    ssize_t n = read(client, req, sizeof req - 1);
    if (n <= 0)
        return;
    req[n] = 0;
    char path[256] = "/";
    sscanf(req, "GET %255s", path);
    unsigned id[2];
#pragma mvx sync before
    id[0] = (unsigned)rand();
    id[1] = (unsigned)rand();
#pragma mvx sync after data(id, 2, unsigned)
    char body[512];
    int len = snprintf(body, sizeof body, "hello from mvx httpd, you asked for %s\n", path);
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Request-Id: %08x%08x\r\n"
                        "Content-Length: %d\r\n\r\n",
                        id[0], id[1], len);
    write(client, head, (size_t)hlen);
    write(client, body, (size_t)len);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int requests = argc > 2 ? atoi(argv[2]) : 10;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) || listen(s, 16)) {
        perror("httpd");
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(s, (struct sockaddr *)&addr, &alen);
    printf("port %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (int i = 0; requests == 0 || i < requests; i++) {
        int client = accept(s, 0, 0);
        if (client < 0)
            continue;
        rand(); /* each child's generator starts where the parent's is now */
        pid_t pid = fork();
        if (pid == 0) {
            close(s);
            serve(client);
            close(client);
            _exit(0);
        }
        close(client);
        waitpid(pid, 0, 0);
    }
    printf("served %d\n", requests);
    return 0;
}
