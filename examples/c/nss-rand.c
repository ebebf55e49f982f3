/* Unannotated NSS randomness: PK11_GenerateRandom from the main thread and, at the same time,
 * from a second thread. NSS's generator hashes the addresses of the environment into its
 * state, so without mvx's compat wrappers each variant prints other bytes. */
#include <nss.h>
#include <pk11pub.h>
#include <pthread.h>
#include <stdio.h>

#define N 32

static int draw(char *out) {
    unsigned char buf[N];
    if (PK11_GenerateRandom(buf, N) != SECSuccess)
        return 0;
    for (int i = 0; i < N; i++)
        sprintf(out + 2 * i, "%02x", buf[i]);
    return 1;
}

static void *second(void *arg) {
    return draw(arg) ? arg : NULL;
}

int main(void) {
    char main_line[2 * N + 1], thread_line[2 * N + 1];
    if (NSS_NoDB_Init(NULL) != SECSuccess)
        return 2;
    pthread_t t;
    if (pthread_create(&t, NULL, second, thread_line) != 0)
        return 1;
    int ok = draw(main_line);
    void *res;
    pthread_join(t, &res);
    if (!ok || res == NULL)
        return 1;
    printf("main %s\nthread %s\n", main_line, thread_line);
    return NSS_Shutdown() == SECSuccess ? 0 : 1;
}
