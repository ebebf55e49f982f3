/* prctl called the usual way, with only the arguments the option uses (glibc's variadic
 * wrapper then passes whatever the unused argument registers hold). The name is set after
 * some output, as a program would. */
#include "conf.h"
#include <sys/prctl.h>

int main(void)
{
    printf("setting the name\n");
    OK(prctl(PR_SET_NAME, "short-args"));
    char name[17] = {0};
    OK(prctl(PR_GET_NAME, name));
    printf("name: %s\n", name);
    return 0;
}
