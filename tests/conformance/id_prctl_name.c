/* prctl PR_SET_NAME/PR_GET_NAME and other read-only prctl queries. */
#include "conf.h"
#include <sys/prctl.h>

int main(void)
{
    char name[17] = {0};
    OK(prctl(PR_SET_NAME, "conf-name", 0, 0, 0));
    OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("name: %s\n", name);
    printf("dumpable: %s\n", RESULT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)));
    printf("no_new_privs before: %s\n", RESULT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    printf("no_new_privs after: %s\n", RESULT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    printf("timerslack > 0: %d\n", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) > 0);
    errno = 0;
    printf("unknown option: %s\n", RESULT(prctl(0x7fff1234, 0, 0, 0, 0)));
    return 0;
}
