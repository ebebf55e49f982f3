/* One program, built in ways that make different syscalls for benign reasons (as
 * diversified builds do): extra-alloc takes an extra scratch mapping (a hardened allocator
 * path: mmap, touch, munmap), extra-random seeds a canary of its own with getrandom;
 * scratch-plain maps a work area where scratch-guarded maps one a page larger and makes that
 * page a guard (mmap, mprotect). All then do the same work and print the same lines. Under
 * mvx they diverge at the first difference unless equivalence rules say it is benign
 * (tests/rules.rs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <stdlib.h>
#include <unistd.h>

static void hardening_setup(void) {
#ifdef EXTRA_ALLOC
    size_t len = 1 << 20;
    char *scratch = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED) {
        perror("mmap");
        _exit(1);
    }
    memset(scratch, 0xa5, 4096);
    munmap(scratch, len);
#endif
#ifdef EXTRA_RANDOM
    unsigned char canary[16];
    if (getrandom(canary, sizeof canary, 0) != sizeof canary) {
        perror("getrandom");
        _exit(1);
    }
#endif
#if defined(SCRATCH_PLAIN) || defined(SCRATCH_GUARDED)
    size_t area = 64 << 10, guard = 0;
#ifdef SCRATCH_GUARDED
    guard = 4096;
#endif
    char *work = mmap(NULL, area + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (work == MAP_FAILED) {
        perror("mmap");
        _exit(1);
    }
    if (guard != 0 && mprotect(work, guard, PROT_NONE) != 0) {
        perror("mprotect");
        _exit(1);
    }
    memset(work + guard, 0x5a, area);
#endif
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    hardening_setup();
    unsigned long sum = 0;
    for (int i = 1; i <= rounds; i++) {
        sum += (unsigned long)i * i;
        printf("round %d: %lu\n", i, sum);
        fflush(stdout);
    }
    return 0;
}
