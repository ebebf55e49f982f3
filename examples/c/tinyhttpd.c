/* A thread-per-connection HTTP/1.0 server after the design of Tinyhttpd: the main thread blocks
 * in accept, every connection gets a pthread_create'd thread (never joined or detached) that
 * reads the request line and headers one byte at a time, stats the file under the document
 * root and sends it with a Content-Length header; paths under /cgi-bin/ run a script in a
 * forked child, with the request body on its stdin and its stdout relayed to the client.
 * Usage: tinyhttpd PORT DOCROOT   (PORT 0: pick one and print "port N"); serves until killed. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *docroot;

/* One line of the request, without its CR LF; read a byte at a time so that nothing after the
 * headers (a request body) is consumed. Returns the length, or -1 at end of input. */
static int read_line(int fd, char *buf, int size) {
    int n = 0;
    for (;;) {
        char c;
        ssize_t got = recv(fd, &c, 1, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return n > 0 ? n : -1;
        if (c == '\n')
            break;
        if (c != '\r' && n < size - 1)
            buf[n++] = c;
    }
    buf[n] = 0;
    return n;
}

static int send_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t put = send(fd, p, len, MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

static void send_status(int client, int code, const char *reason) {
    char body[128];
    int blen = snprintf(body, sizeof body, "%d %s\n", code, reason);
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.0 %d %s\r\nServer: tinyhttpd/0.1\r\nContent-Type: text/plain\r\n"
                        "Content-Length: %d\r\n\r\n",
                        code, reason, blen);
    send_all(client, head, (size_t)hlen);
    send_all(client, body, (size_t)blen);
}

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot && (!strcmp(dot, ".html") || !strcmp(dot, ".htm")))
        return "text/html";
    return "text/plain";
}

static void serve_file(int client, const char *path, const struct stat *st) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        send_status(client, 404, "Not Found");
        return;
    }
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.0 200 OK\r\nServer: tinyhttpd/0.1\r\nContent-Type: %s\r\n"
                        "Content-Length: %lld\r\n\r\n",
                        content_type(path), (long long)st->st_size);
    if (send_all(client, head, (size_t)hlen) == 0) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            if (send_all(client, buf, (size_t)n) < 0)
                break;
    }
    close(fd);
}

static void run_cgi(int client, const char *path, const char *method, const char *query,
                    long body_len) {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) < 0) {
        send_status(client, 500, "Internal Server Error");
        return;
    }
    if (pipe2(from_child, O_CLOEXEC) < 0) {
        close(to_child[0]);
        close(to_child[1]);
        send_status(client, 500, "Internal Server Error");
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        send_status(client, 500, "Internal Server Error");
        return;
    }
    if (pid == 0) {
        /* dup2 clears close-on-exec on the copies: only stdin and stdout reach the script. */
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        char length[32];
        snprintf(length, sizeof length, "%ld", body_len);
        setenv("REQUEST_METHOD", method, 1);
        setenv("QUERY_STRING", query, 1);
        setenv("CONTENT_LENGTH", length, 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    /* The request body goes to the script's stdin. */
    char buf[4096];
    long left = body_len;
    while (left > 0) {
        ssize_t n = recv(client, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (write_all(to_child[1], buf, (size_t)n) < 0)
            break;
        left -= n;
    }
    close(to_child[1]);
    /* The script writes its own header lines (Content-Type, a blank line) and the body. */
    static const char status[] = "HTTP/1.0 200 OK\r\nServer: tinyhttpd/0.1\r\n";
    int ok = send_all(client, status, sizeof status - 1) == 0;
    ssize_t n;
    while ((n = read(from_child[0], buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (ok && send_all(client, buf, (size_t)n) < 0)
            ok = 0;
    }
    close(from_child[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static void handle(int client) {
    char line[2048];
    if (read_line(client, line, sizeof line) <= 0)
        return;
    char method[16], url[1024];
    if (sscanf(line, "%15s %1023s", method, url) != 2) {
        send_status(client, 400, "Bad Request");
        return;
    }
    long body_len = 0;
    for (;;) {
        int n = read_line(client, line, sizeof line);
        if (n <= 0)
            break;
        if (!strncasecmp(line, "Content-Length:", 15))
            body_len = strtol(line + 15, NULL, 10);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        send_status(client, 501, "Not Implemented");
        return;
    }
    char *query = strchr(url, '?');
    if (query)
        *query++ = 0;
    else
        query = "";
    if (strstr(url, "..") || url[0] != '/') {
        send_status(client, 403, "Forbidden");
        return;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s%s", docroot, url);
    size_t len = strlen(path);
    if (path[len - 1] == '/')
        snprintf(path + len, sizeof path - len, "index.html");
    struct stat st;
    if (stat(path, &st) < 0) {
        send_status(client, 404, "Not Found");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        len = strlen(path);
        snprintf(path + len, sizeof path - len, "/index.html");
        if (stat(path, &st) < 0) {
            send_status(client, 404, "Not Found");
            return;
        }
    }
    if (!strncmp(url, "/cgi-bin/", 9))
        run_cgi(client, path, method, query, body_len);
    else if (!strcmp(method, "GET"))
        serve_file(client, path, &st);
    else
        send_status(client, 405, "Method Not Allowed");
}

static void *connection(void *arg) {
    int client = (int)(intptr_t)arg;
    handle(client);
    close(client);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: tinyhttpd PORT DOCROOT\n");
        return 2;
    }
    int port = atoi(argv[1]);
    docroot = argv[2];
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) || listen(s, 64)) {
        perror("tinyhttpd");
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(s, (struct sockaddr *)&addr, &alen);
    printf("port %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (;;) {
        /* Close-on-exec, so that a CGI child of one connection does not hold another open. */
        int client = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        pthread_t tid;
        if (pthread_create(&tid, NULL, connection, (void *)(intptr_t)client) != 0)
            close(client);
        else
            /* Nobody joins it: detached, its stack is freed when it ends (undetached, tens of
             * thousands of connections used up the address space and new ones were reset). */
            pthread_detach(tid);
    }
}
