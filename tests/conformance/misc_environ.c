/* The environment: setenv/getenv/unsetenv within the process and inherited by a child
 * shell. */
#include "conf.h"

int main(void)
{
    OK(setenv("CONF_VAR", "from-parent", 1));
    printf("getenv: %s\n", getenv("CONF_VAR"));
    fflush(stdout);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "echo \"child sees $CONF_VAR\"", (char *)NULL);
        _exit(127);
    }
    wait_child(pid);
    OK(unsetenv("CONF_VAR"));
    printf("after unsetenv: %s\n", getenv("CONF_VAR") ? "set" : "(null)");
    return 0;
}
