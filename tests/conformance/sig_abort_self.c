/* The program ends with abort(): the runner sees death by SIGABRT (128+6 under mvx).
 * conformance: native-status 134 */
#include "conf.h"
#include <sys/resource.h>

int main(void)
{
    struct rlimit no_core = {0, 0};
    OK(setrlimit(RLIMIT_CORE, &no_core));
    printf("about to abort\n");
    fflush(stdout);
    abort();
}
