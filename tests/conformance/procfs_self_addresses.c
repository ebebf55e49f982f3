/* /proc/self/stat and /proc/self/auxv describe this process: its stack start lies just above a
 * local variable, its code range holds main(), and auxv AT_PHDR is what getauxval says. Under
 * mvx each variant reads its own addresses there (they differ by design). */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <fcntl.h>
#include <unistd.h>
int main(void) {
    char buf[4096]; int fd = open("/proc/self/stat", O_RDONLY); int n = read(fd, buf, sizeof buf - 1); close(fd); buf[n] = 0;
    char *p = strrchr(buf, ')'); unsigned long v[60] = {0}; int k = 3; char *tok = strtok(p + 2, " ");
    while (tok && k < 60) { sscanf(tok, "%lu", &v[k]); k++; tok = strtok(NULL, " "); }
    int local; unsigned long sp = (unsigned long)&local;
    printf("stack start above local: %d, within 1 MiB: %d\n", v[28] > sp, v[28] - sp < (1 << 20));
    printf("code holds main: %d\n", v[26] <= (unsigned long)main && (unsigned long)main < v[27]);
    fd = open("/proc/self/auxv", O_RDONLY); Elf64_auxv_t a[64]; n = read(fd, a, sizeof a); close(fd);
    unsigned long phdr = 0; for (int i = 0; i < n / (int)sizeof a[0]; i++) if (a[i].a_type == AT_PHDR) phdr = a[i].a_un.a_val;
    printf("auxv AT_PHDR matches getauxval: %d\n", phdr == getauxval(AT_PHDR));
    return 0;
}
