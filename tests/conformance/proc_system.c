/* system() runs /bin/sh -c; its status is the command's. */
#include "conf.h"

int main(void)
{
    int st = system("exit 3");
    printf("system(exit 3): %s\n", status_str(st));
    st = system("true");
    printf("system(true): %s\n", status_str(st));
    return 0;
}
