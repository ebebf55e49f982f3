/* execve failures: ENOENT for a missing file, EACCES for a non-executable one, ENOEXEC for
 * an executable file that is neither ELF nor a script (execv, not execvp). */
#include "conf.h"

int main(void)
{
    enter_tmpdir("proc_exec_errors");
    write_file("plain", "data\n", 5);
    write_file("junk", "\x01\x02\x03 not a program\n", 20);
    OK(chmod("junk", 0755));
    const char *paths[] = {"./missing", "./plain", "./junk"};
    for (int i = 0; i < 3; i++) {
        char *argv[] = {(char *)paths[i], NULL};
        errno = 0;
        int r = execv(paths[i], argv);
        printf("%s: %d %s\n", paths[i], r, conf_errname(errno));
    }
    return 0;
}
