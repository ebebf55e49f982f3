/* The I-MVX example: RAND_bytes in a loop, printing the bytes. Each variant's OpenSSL DRBG
 * produces its own bytes; the sync region makes every follower take the leader's.
 * Built twice: rand-bytes (annotated) and rand-bytes-nosync (-DNO_SYNC). */
#include <mvx.h>
#include <openssl/rand.h>
#include <stdio.h>

#ifdef NO_SYNC
#undef MVX_SYNC_BEFORE
#undef MVX_SYNC_AFTER_DATA
#define MVX_SYNC_BEFORE() ((void)0)
#define MVX_SYNC_AFTER_DATA(buf, len) ((void)0)
#endif

int main(void) {
    static const int lengths[] = {16, 32, 64};
    unsigned char buf[64];
    for (int testnum = 0; testnum < 3; testnum++) {
        MVX_SYNC_BEFORE();
        if (RAND_bytes(buf, lengths[testnum]) != 1)
            return 1;
        MVX_SYNC_AFTER_DATA(buf, lengths[testnum]);
        for (int i = 0; i < lengths[testnum]; i++)
            printf("%02x", buf[i]);
        printf("\n");
    }
    return 0;
}
