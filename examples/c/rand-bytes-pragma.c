/* The I-MVX example in its original form: the sync regions are pragmas, lowered by the mvx
 * clang plugin (clang-19 -fplugin=libmvx_pragma.so). Compiled without the plugin, clang ignores
 * them (with a warning) and the variants print different bytes. */
#include <openssl/rand.h>
#include <stdio.h>

int main(void) {
    static const int lengths[] = {16, 32, 64};
    unsigned char buf[64];
    for (int testnum = 0; testnum < 3; testnum++) {
#pragma mvx sync before
        RAND_bytes(buf, lengths[testnum]);
#pragma mvx sync after data(buf, lengths[testnum], char)
        for (int i = 0; i < lengths[testnum]; i++)
            printf("%02x", buf[i]);
        printf("\n");
    }
    return 0;
}
