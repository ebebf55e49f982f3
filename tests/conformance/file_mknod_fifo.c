/* mkfifo/mknod(S_IFIFO) create FIFOs; mknod of a regular file works unprivileged. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_mknod_fifo");
    OK(mkfifo("p1", 0600));
    OK(mknod("p2", S_IFIFO | 0600, 0));
    OK(mknod("r", S_IFREG | 0600, 0));
    struct stat st;
    OK(stat("p1", &st));
    printf("p1 fifo %d, ", S_ISFIFO(st.st_mode));
    OK(stat("p2", &st));
    printf("p2 fifo %d, ", S_ISFIFO(st.st_mode));
    OK(stat("r", &st));
    printf("r regular %d\n", S_ISREG(st.st_mode));
    errno = 0;
    printf("mkfifo existing: %s\n", RESULT(mkfifo("p1", 0600)));
    return 0;
}
