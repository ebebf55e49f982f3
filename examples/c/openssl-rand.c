/* Unannotated libcrypto randomness: RAND_bytes, RAND_priv_bytes and RAND_bytes_ex from the
 * main thread and, at the same time, from a second thread; then a 300000-byte RAND_bytes
 * (more than one record of the runtime's ring), printed as its SHA-256. OpenSSL's DRBG mixes
 * addresses into its state, so without mvx's compat wrappers each variant prints other bytes.
 * The threads fill their own lines and main prints them after the join, in a fixed order.
 * Both threads' first calls race through OpenSSL's initialisation: the wrappers let threads
 * in one at a time, in the leader's order. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 32

struct lines {
    char text[3][2 * N + 1];
};

static void hex(char *out, const unsigned char *buf, size_t n) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", buf[i]);
}

static int draw(struct lines *l) {
    unsigned char buf[N];
    if (RAND_bytes(buf, N) != 1)
        return 0;
    hex(l->text[0], buf, N);
    if (RAND_priv_bytes(buf, N) != 1)
        return 0;
    hex(l->text[1], buf, N);
    if (RAND_bytes_ex(NULL, buf, N, 0) != 1)
        return 0;
    hex(l->text[2], buf, N);
    return 1;
}

static void *second(void *arg) {
    return draw(arg) ? arg : NULL;
}

int main(void) {
    struct lines main_lines, thread_lines;
    pthread_t t;
    if (pthread_create(&t, NULL, second, &thread_lines) != 0)
        return 1;
    int ok = draw(&main_lines);
    void *res;
    pthread_join(t, &res);
    if (!ok || res == NULL)
        return 1;
    for (int i = 0; i < 3; i++)
        printf("main %s\n", main_lines.text[i]);
    for (int i = 0; i < 3; i++)
        printf("thread %s\n", thread_lines.text[i]);

    size_t big = 300000;
    unsigned char *buf = malloc(big), digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (buf == NULL || RAND_bytes(buf, (int)big) != 1 ||
        EVP_Digest(buf, big, digest, &len, EVP_sha256(), NULL) != 1)
        return 1;
    char text[2 * EVP_MAX_MD_SIZE + 1];
    hex(text, digest, len);
    printf("big %s\n", text);
    free(buf);
    return 0;
}
