/* access/faccessat/faccessat2 against modes (as a normal user and as root). */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_access");
    write_file("r", "", 0);
    write_file("x", "", 0);
    OK(chmod("r", 0400));
    OK(chmod("x", 0500));
    printf("r: F_OK %d R_OK %d\n", access("r", F_OK), access("r", R_OK));
    printf("x: X_OK %d\n", access("x", X_OK));
    int w = access("r", W_OK);
    printf("r W_OK: %s\n", w == 0 ? (geteuid() == 0 ? "ok (root)" : "ok?") :
                                    (geteuid() == 0 ? "?" : "EACCES"));
    errno = 0;
    printf("missing: %s\n", RESULT(access("nope", F_OK)));
    printf("faccessat AT_EACCESS: %d\n", faccessat(AT_FDCWD, "x", X_OK, AT_EACCESS));
    long r = syscall(SYS_faccessat2, AT_FDCWD, "x", R_OK, AT_SYMLINK_NOFOLLOW);
    printf("faccessat2: %s\n", r == 0 ? "ok" : conf_errname(errno));
    return 0;
}
