/* mkstemp/mkdtemp create unique names (the template's X's replaced), the file mode is 0600. */
#include "conf.h"

int main(void)
{
    enter_tmpdir("file_mkstemp");
    char t1[] = "tmpXXXXXX", t2[] = "tmpXXXXXX", dt[] = "dirXXXXXX";
    int a = mkstemp(t1), b = mkstemp(t2);
    OK(a);
    OK(b);
    printf("names differ: %d, X's replaced: %d\n", strcmp(t1, t2) != 0, strchr(t1, 'X') == NULL ||
           strcmp(t1, "tmpXXXXXX") != 0);
    struct stat st;
    OK(fstat(a, &st));
    printf("mode %o\n", st.st_mode & 0777);
    CHECK(mkdtemp(dt));
    OK(stat(dt, &st));
    printf("mkdtemp dir mode %o\n", st.st_mode & 0777);
    char t3[] = "tmpXXXXXX.suffix";
    int c = mkstemps(t3, 7);
    OK(c);
    printf("mkstemps keeps suffix: %d\n", strcmp(t3 + 9, ".suffix") == 0);
    errno = 0;
    char bad[] = "noXs";
    printf("bad template: %s\n", RESULT(mkstemp(bad)));
    return 0;
}
