/* inotify reports create, modify and delete events in a watched directory. */
#include "conf.h"
#include <sys/inotify.h>

int main(void)
{
    enter_tmpdir("file_inotify");
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    OK(in);
    int wd = inotify_add_watch(in, ".", IN_CREATE | IN_MODIFY | IN_DELETE);
    OK(wd);
    write_file("watched", "x", 1);
    OK(unlink("watched"));
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    CHECK(n > 0);
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *e = (void *)p;
        printf("event %s%s%s name %s\n", e->mask & IN_CREATE ? "CREATE" : "",
               e->mask & IN_MODIFY ? "MODIFY" : "", e->mask & IN_DELETE ? "DELETE" : "",
               e->len ? e->name : "");
        p += sizeof *e + e->len;
    }
    errno = 0;
    printf("drained: %s\n", RESULT(read(in, buf, sizeof buf)));
    OK(inotify_rm_watch(in, wd));
    return 0;
}
