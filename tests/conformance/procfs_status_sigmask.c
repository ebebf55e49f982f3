/* /proc/self/status SigBlk and SigCgt reflect the blocked set and the caught signals. */
#include "conf.h"

static void handler(int sig) { (void)sig; }

static unsigned long long hexfield(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    return p ? strtoull(p + strlen(name), NULL, 16) : ~0ULL;
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    OK(sigprocmask(SIG_SETMASK, &set, NULL));
    signal(SIGUSR2, handler);
    signal(SIGHUP, SIG_IGN);
    static char buf[8192];
    read_file("/proc/self/status", buf, sizeof buf);
    unsigned long long blk = hexfield(buf, "SigBlk:"), cgt = hexfield(buf, "SigCgt:"),
                       ign = hexfield(buf, "SigIgn:");
    printf("SigBlk has USR1 %d TERM %d INT %d\n", (int)(blk >> (SIGUSR1 - 1) & 1),
           (int)(blk >> (SIGTERM - 1) & 1), (int)(blk >> (SIGINT - 1) & 1));
    printf("SigCgt has USR2 %d\n", (int)(cgt >> (SIGUSR2 - 1) & 1));
    printf("SigIgn has HUP %d\n", (int)(ign >> (SIGHUP - 1) & 1));
    return 0;
}
