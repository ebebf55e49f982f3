/* copy_file_range and sendfile between files copy the bytes asked for. */
#include "conf.h"
#include <sys/sendfile.h>

int main(void)
{
    enter_tmpdir("file_copy_range");
    char data[10000];
    for (int i = 0; i < 10000; i++)
        data[i] = 'a' + i % 26;
    write_file("src", data, sizeof data);
    int in = open("src", O_RDONLY);
    int out = open("dst", O_WRONLY | O_CREAT, 0600);
    OK(in);
    OK(out);
    loff_t off_in = 100;
    ssize_t n = copy_file_range(in, &off_in, out, NULL, 5000, 0);
    printf("copy_file_range: %zd, in offset now %ld\n", n, (long)off_in);
    off_t off = 0;
    n = sendfile(out, in, &off, 26);
    printf("sendfile: %zd\n", n);
    close(out);
    char back[6000];
    ssize_t len = read_file("dst", back, sizeof back);
    printf("dst %zd bytes, first copied byte ok %d, sendfile bytes ok %d\n", len, back[0] == data[100],
           memcmp(back + 5000, data, 26) == 0);
    close(in);
    return 0;
}
