/* getrandom fills the length asked for (256 bytes, with GRND_NONBLOCK too); getentropy refuses
 * more than 256 bytes; two draws differ. */
#include "conf.h"
#include <sys/random.h>

int main(void)
{
    unsigned char a[256], b[256];
    printf("getrandom 256: %s\n", RESULT(getrandom(a, sizeof a, 0)));
    printf("GRND_NONBLOCK 256: %s\n", RESULT(getrandom(b, sizeof b, GRND_NONBLOCK)));
    printf("draws differ: %d\n", memcmp(a, b, sizeof a) != 0);
    printf("getrandom 0: %s\n", RESULT(getrandom(a, 0, 0)));
    unsigned char big[300];
    errno = 0;
    printf("getentropy 300: %s\n", RESULT(getentropy(big, sizeof big)));
    errno = 0;
    printf("bad flags: %s\n", RESULT(getrandom(a, 8, 0x100)));
    return 0;
}
