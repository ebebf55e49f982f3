/* readdir (getdents64) lists the entries created, with types; sorted for output. */
#include "conf.h"
#include <dirent.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void)
{
    enter_tmpdir("file_getdents");
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "file%02d", i);
        write_file(name, "", 0);
    }
    OK(mkdir("subdir", 0700));
    OK(symlink("file00", "sym"));
    DIR *d = opendir(".");
    CHECK(d);
    char *names[64];
    int n = 0, dirs = 0, regs = 0, links = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        names[n++] = strdup(e->d_name);
        dirs += e->d_type == DT_DIR;
        regs += e->d_type == DT_REG;
        links += e->d_type == DT_LNK;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%d entries (dirs %d, regular %d, links %d):", n, dirs, regs, links);
    for (int i = 0; i < n; i += 7)
        printf(" %s", names[i]);
    printf("\n");
    return 0;
}
