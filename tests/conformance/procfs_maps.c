/* /proc/self/maps lists the stack, the heap of a mapping we make, and the executable. */
#include "conf.h"
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4096 * 3, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f);
    char line[512];
    int stack = 0, ours = 0, exe = 0, lines = 0;
    char self[4096] = {0};
    CHECK(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
    while (fgets(line, sizeof line, f)) {
        lines++;
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        stack |= strstr(line, "[stack]") != NULL;
        exe |= strstr(line, self) != NULL;
        if (lo <= (unsigned long)p && (unsigned long)p + 4096 * 3 <= hi && perms[0] == 'r' &&
            perms[1] == '-')
            ours = 1;
    }
    fclose(f);
    printf("[stack] %d, our mapping %d, executable %d, several lines %d\n", stack, ours, exe,
           lines > 5);
    return 0;
}
