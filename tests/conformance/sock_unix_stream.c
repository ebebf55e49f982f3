/* A named unix stream socket: bind/listen/connect/accept in one process; getpeername. */
#include "conf_net.h"

int main(void)
{
    enter_tmpdir("sock_unix_stream");
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, "srv.sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(l);
    OK(bind(l, (struct sockaddr *)&a, len));
    OK(listen(l, 4));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(connect(c, (struct sockaddr *)&a, len));
    int s = accept(l, NULL, NULL);
    OK(s);
    write_full(c, "hello server", 12);
    char buf[32] = {0};
    read_full(s, buf, 12);
    printf("server got: %s\n", buf);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    OK(getpeername(c, (struct sockaddr *)&peer, &plen));
    printf("client's peer: %s\n", peer.sun_path);
    struct stat st;
    OK(stat("srv.sock", &st));
    printf("socket file: %d\n", S_ISSOCK(st.st_mode));
    errno = 0;
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind to the same path: %s\n", RESULT(bind(again, (struct sockaddr *)&a, len)));
    return 0;
}
