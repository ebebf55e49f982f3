/* sysinfo: uptime positive, total RAM nonzero, mem_unit set, load averages present. */
#include "conf.h"
#include <sys/sysinfo.h>

int main(void)
{
    struct sysinfo si;
    OK(sysinfo(&si));
    printf("uptime > 0: %d, totalram > 0: %d, mem_unit >= 1: %d, procs > 0: %d\n", si.uptime > 0,
           si.totalram > 0, si.mem_unit >= 1, si.procs > 0);
    printf("get_nprocs >= 1: %d\n", get_nprocs() >= 1);
    return 0;
}
