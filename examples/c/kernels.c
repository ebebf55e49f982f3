/* Compute kernels of the CoreMark/PolyBench kind for `mvx bench`: CPU work with almost no system
 * calls, each printing a checksum so that a run under mvx can be checked against the native one.
 * Usage: kernels [--timer-us U] KIND N
 *   KIND: list (pointer chasing: walk, find and reverse a shuffled linked list),
 *         statemachine (a table-driven state machine over pseudo-random input),
 *         matmul (dense matrix multiply), stencil (2-D 5-point Jacobi sweeps);
 *   N: repetitions of the kernel over its fixed-size data;
 *   --timer-us U: an ITIMER_REAL every U microseconds with an EMPTY SIGALRM handler (SA_RESTART),
 *   the signal load of the Orchestra-style timer rows. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: the same pseudo-random data in every run and every variant. */
static uint64_t next_random(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- list: 8192 nodes linked in a shuffled order (each step a dependent load). ---- */
struct node {
    struct node *next;
    uint32_t value;
    uint32_t pad[13]; /* one node per 64-byte line, as a real record would be */
};

#define LIST_NODES 8192

static uint64_t kernel_list(long reps) {
    struct node *nodes = calloc(LIST_NODES, sizeof *nodes);
    uint32_t *order = malloc(LIST_NODES * sizeof *order);
    for (uint32_t i = 0; i < LIST_NODES; i++) {
        order[i] = i;
        nodes[i].value = (uint32_t)next_random();
    }
    for (uint32_t i = LIST_NODES - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next_random() % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i + 1 < LIST_NODES; i++)
        nodes[order[i]].next = &nodes[order[i + 1]];
    nodes[order[LIST_NODES - 1]].next = NULL;
    struct node *head = &nodes[order[0]];
    free(order);
    uint64_t sum = 0;
    for (long r = 0; r < reps; r++) {
        /* walk: sum and find the first value below a moving key */
        uint32_t key = (uint32_t)r * 2654435761u;
        long found = -1, idx = 0;
        for (struct node *n = head; n; n = n->next, idx++) {
            sum += n->value;
            if (found < 0 && n->value < (key >> 4))
                found = idx;
        }
        sum += (uint64_t)found;
        /* reverse in place */
        struct node *prev = NULL, *cur = head;
        while (cur) {
            struct node *next = cur->next;
            cur->next = prev;
            prev = cur;
            cur = next;
        }
        head = prev;
        head->value += (uint32_t)r;
    }
    free(nodes);
    return sum;
}

/* ---- statemachine: 8 states, 16 input classes, over 64 KiB of pseudo-random input. ---- */
#define SM_INPUT 65536
#define SM_STATES 8

static uint64_t kernel_statemachine(long reps) {
    unsigned char *input = malloc(SM_INPUT);
    for (int i = 0; i < SM_INPUT; i++)
        input[i] = (unsigned char)next_random();
    unsigned char table[SM_STATES][16];
    for (int s = 0; s < SM_STATES; s++)
        for (int c = 0; c < 16; c++)
            table[s][c] = (unsigned char)(next_random() % SM_STATES);
    uint64_t visits[SM_STATES] = {0};
    unsigned state = 0;
    for (long r = 0; r < reps; r++) {
        for (int i = 0; i < SM_INPUT; i++) {
            /* the input class depends on the byte and on the state, as a lexer's would */
            unsigned cls = (input[i] ^ (state * 37u)) & 15u;
            state = table[state][cls];
            visits[state]++;
        }
        input[r % SM_INPUT] ^= (unsigned char)state;
    }
    uint64_t sum = 0;
    for (int s = 0; s < SM_STATES; s++)
        sum = sum * 1000003u + visits[s];
    free(input);
    return sum;
}

/* ---- matmul: C = A * B, 192 x 192 doubles, i-k-j order. ---- */
#define MM 192

static uint64_t kernel_matmul(long reps) {
    double *a = malloc(MM * MM * sizeof *a), *b = malloc(MM * MM * sizeof *b),
           *c = malloc(MM * MM * sizeof *c);
    for (int i = 0; i < MM * MM; i++) {
        a[i] = (double)(next_random() % 1000) / 1000.0;
        b[i] = (double)(next_random() % 1000) / 1000.0;
    }
    double trace = 0;
    for (long r = 0; r < reps; r++) {
        memset(c, 0, MM * MM * sizeof *c);
        for (int i = 0; i < MM; i++)
            for (int k = 0; k < MM; k++) {
                double aik = a[i * MM + k];
                for (int j = 0; j < MM; j++)
                    c[i * MM + j] += aik * b[k * MM + j];
            }
        for (int i = 0; i < MM; i++)
            trace += c[i * MM + i];
        a[r % (MM * MM)] += 0.001; /* each repetition multiplies a different matrix */
    }
    free(a);
    free(b);
    free(c);
    return (uint64_t)(trace * 1000.0);
}

/* ---- stencil: 5-point Jacobi sweeps over a 384 x 384 grid with fixed borders. ---- */
#define ST 384

static uint64_t kernel_stencil(long reps) {
    double *u = calloc(ST * ST, sizeof *u), *v = calloc(ST * ST, sizeof *v);
    for (int i = 0; i < ST; i++) {
        u[i] = v[i] = 100.0;                           /* top border hot */
        u[i * ST] = v[i * ST] = (double)(i % 7);       /* left border striped */
    }
    for (long r = 0; r < reps; r++) {
        for (int i = 1; i < ST - 1; i++)
            for (int j = 1; j < ST - 1; j++)
                v[i * ST + j] = 0.25 * (u[(i - 1) * ST + j] + u[(i + 1) * ST + j] +
                                        u[i * ST + j - 1] + u[i * ST + j + 1]);
        double *t = u;
        u = v;
        v = t;
    }
    double sum = 0;
    for (int i = 0; i < ST * ST; i++)
        sum += u[i];
    free(u);
    free(v);
    return (uint64_t)(sum * 1000.0);
}

static void empty_handler(int sig) { (void)sig; }

static void start_timer(long us) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = empty_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, us}, {0, us}};
    it.it_interval.tv_sec = it.it_value.tv_sec = us / 1000000;
    it.it_interval.tv_usec = it.it_value.tv_usec = us % 1000000;
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv) {
    int arg = 1;
    if (argc > 2 && !strcmp(argv[1], "--timer-us")) {
        start_timer(atol(argv[2]));
        arg = 3;
    }
    if (argc - arg != 2) {
        fprintf(stderr, "usage: kernels [--timer-us U] list|statemachine|matmul|stencil N\n");
        return 2;
    }
    const char *kind = argv[arg];
    long reps = atol(argv[arg + 1]);
    uint64_t checksum;
    if (!strcmp(kind, "list"))
        checksum = kernel_list(reps);
    else if (!strcmp(kind, "statemachine"))
        checksum = kernel_statemachine(reps);
    else if (!strcmp(kind, "matmul"))
        checksum = kernel_matmul(reps);
    else if (!strcmp(kind, "stencil"))
        checksum = kernel_stencil(reps);
    else {
        fprintf(stderr, "kernels: unknown kernel %s\n", kind);
        return 2;
    }
    printf("%s %ld checksum %llu\n", kind, reps, (unsigned long long)checksum);
    return 0;
}
