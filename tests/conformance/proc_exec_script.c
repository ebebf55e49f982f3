/* execve of a #! script: the interpreter runs it with the script path and arguments. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("proc_exec_script");
    const char *script = "#!/bin/sh\necho \"script got $1 $2\"\nexit 7\n";
    write_file("s.sh", script, strlen(script));
    OK(chmod("s.sh", 0755));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        char *argv[] = {"./s.sh", "one", "two", NULL};
        execv("./s.sh", argv);
        _exit(127);
    }
    printf("script %s\n", status_str(wait_child(pid)));
    return 0;
}
