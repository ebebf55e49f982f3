/* Compute kernels for the signals benchmark: a dense matrix multiply (cache-friendly, FP) and
 * a pointer-chasing walk of a shuffled list (cache- and TLB-missing), each optionally under a
 * periodic ITIMER_REAL with an empty SIGALRM handler (SA_RESTART), as in Orchestra's evaluation.
 *
 *     signal_kernels matmul|chase [--timer-us N] [--size N] [--reps N]
 *
 * Prints one line with a checksum and the number of handled ticks. SIGALRM is blocked before
 * the timer is disarmed and the count read, so a last pending tick cannot land between the
 * read and the write in one variant and before the read in another. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile long ticks;

static void on_alarm(int sig) {
  (void)sig;
  ticks++;
}

static double matmul(long n, long reps) {
  double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b),
         *c = malloc(n * n * sizeof *c);
  if (!a || !b || !c) abort();
  for (long i = 0; i < n * n; i++) {
    a[i] = (i % 7) * 0.5;
    b[i] = (i % 11) * 0.25;
  }
  double check = 0;
  for (long r = 0; r < reps; r++) {
    memset(c, 0, n * n * sizeof *c);
    for (long i = 0; i < n; i++)
      for (long k = 0; k < n; k++) {
        double aik = a[i * n + k];
        for (long j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
      }
    check += c[(r * 31) % (n * n)];
  }
  return check;
}

static double chase(long n, long reps) {
  uint32_t *next = malloc(n * sizeof *next);
  if (!next) abort();
  for (long i = 0; i < n; i++) next[i] = i;
  /* Sattolo's shuffle: one cycle through every node. */
  uint64_t s = 88172645463325252ull;
  for (long i = n - 1; i > 0; i--) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    long j = s % i;
    uint32_t t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  uint32_t p = 0;
  for (long r = 0; r < reps; r++)
    for (long i = 0; i < n; i++) p = next[p];
  return p;
}

int main(int argc, char **argv) {
  const char *kernel = argc > 1 ? argv[1] : "matmul";
  long timer_us = 0, size = 0, reps = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--timer-us")) timer_us = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atol(argv[i + 1]);
  }
  if (timer_us > 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, 0);
    struct itimerval every = {{0, timer_us}, {0, timer_us}};
    setitimer(ITIMER_REAL, &every, 0);
  }
  double check;
  if (!strcmp(kernel, "matmul")) check = matmul(size ? size : 1000, reps);
  else if (!strcmp(kernel, "chase")) check = chase(size ? size : 1 << 22, reps);
  else {
    fprintf(stderr, "unknown kernel %s\n", kernel);
    return 2;
  }
  if (timer_us > 0) {
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, 0);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
  }
  printf("%s check %.1f ticks %ld\n", kernel, check, ticks);
  return 0;
}
