/* popen reads a command's output; pclose returns its status. */
#include "conf.h"

int main(void)
{
    FILE *f = popen("echo one; echo two; exit 2", "r");
    CHECK(f);
    char line[64];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        printf("read: %s", line);
    }
    printf("lines %d, pclose: %s\n", n, status_str(pclose(f)));
    return 0;
}
