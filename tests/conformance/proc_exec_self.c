/* The program re-execs itself (/proc/self/exe) with new arguments and environment. */
#include "conf.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "again") == 0) {
        const char *v = getenv("CONF_EXEC_VAR");
        printf("second image: arg %s, env %s\n", argv[2], v ? v : "(unset)");
        return 0;
    }
    printf("first image\n");
    fflush(stdout);
    char *nargv[] = {argv[0], "again", "hello", NULL};
    char *nenv[] = {"CONF_EXEC_VAR=42", NULL};
    execve("/proc/self/exe", nargv, nenv);
    printf("execve failed: %s\n", conf_errname(errno));
    return 1;
}
