/* splice moves file data into a pipe and out to another file; tee duplicates pipe data;
 * vmsplice feeds user memory. */
#include "conf.h"
#include <sys/uio.h>

int main(void)
{
    enter_tmpdir("pipe_splice");
    write_file("in", "spliced content!", 16);
    int in = open("in", O_RDONLY), out = open("out", O_WRONLY | O_CREAT, 0600);
    OK(in);
    OK(out);
    int p[2], q[2];
    OK(pipe(p));
    OK(pipe(q));
    ssize_t a = splice(in, NULL, p[1], NULL, 16, 0);
    ssize_t t = tee(p[0], q[1], 16, 0);
    ssize_t b = splice(p[0], NULL, out, NULL, 16, 0);
    char buf[32] = {0};
    CHECK(read(q[0], buf, sizeof buf) == 16);
    printf("splice in %zd, tee %zd, splice out %zd, tee copy: %s\n", a, t, b, buf);
    close(out);
    read_file("out", buf, sizeof buf);
    printf("out file: %s\n", buf);
    struct iovec iov = {"from vmsplice", 13};
    printf("vmsplice: %s\n", RESULT(vmsplice(p[1], &iov, 1, 0)));
    memset(buf, 0, sizeof buf);
    CHECK(read(p[0], buf, sizeof buf) == 13);
    printf("pipe got: %s\n", buf);
    return 0;
}
