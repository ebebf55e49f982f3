/* Kernel keys: add a user key to the process keyring, read it back, describe it, revoke it.
 * Keys live in the kernel outside the process; under mvx the leader alone makes these calls. */
#include "conf.h"
#include <linux/keyctl.h>

int main(void)
{
    const char payload[] = "mvx-secret";
    long id = syscall(SYS_add_key, "user", "mvx:conformance", payload, sizeof payload - 1,
                      KEY_SPEC_PROCESS_KEYRING);
    if (id == -1) {
        /* No key support in this kernel or container: say so, the same way every run. */
        printf("add_key: %s\n", conf_errname(errno));
        return 0;
    }
    char buf[64] = {0};
    long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf);
    CHECK(n == (long)(sizeof payload - 1));
    printf("read back: %.*s\n", (int)n, buf);
    char desc[128] = {0};
    long d = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
    CHECK(d > 0);
    /* "user;uid;gid;perm;description": the type and the description are stable. */
    printf("type: %.4s, description ends with mvx:conformance: %d\n", desc,
           strstr(desc, ";mvx:conformance") != NULL);
    long found = syscall(SYS_request_key, "user", "mvx:conformance", NULL, 0);
    printf("request_key finds it: %d\n", found == id);
    CHECK(syscall(SYS_keyctl, KEYCTL_REVOKE, id) == 0);
    long again = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf);
    printf("read after revoke: %s\n", again == -1 ? conf_errname(errno) : "succeeded");
    return 0;
}
