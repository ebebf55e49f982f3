/* mvx.h: the C side of mvx-sync-runtime (the in-variant half of mvx).
 *
 * Around a nondeterministic region, the leader publishes the bytes it produced and every
 * follower replaces its own with them:
 *
 *     MVX_SYNC_BEFORE();
 *     RAND_bytes(buf, n);
 *     MVX_SYNC_AFTER_DATA(buf, n);
 *
 * Without mvx (or with one variant) these do nothing. Build the library with
 * `cargo build --release -p mvx-c-shim`, then link with it:
 *     cc -I<mvx>/c-shim/include prog.c <mvx>/target/release/libmvx_sync.a -lpthread -ldl -lm
 * (or -L<mvx>/target/release -lmvx_sync for the shared library). */
#ifndef MVX_H
#define MVX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The I-MVX names. */
void sync_op_before(uint64_t id);
void sync_op_after(uint64_t id, void *buf, size_t len);

/* The same, prefixed. */
void mvx_sync_op_before(uint64_t id);
void mvx_sync_op_after(uint64_t id, void *buf, size_t len);

/* The leader's value in every variant. */
uint64_t mvx_sync_u64(uint64_t id, uint64_t value);

/* This variant's index (0: the leader), or -1 without mvx. */
int mvx_variant_index(void);

#ifdef __cplusplus
}
#endif

/* A region id from the source position: the same in every variant and at every -O level. */
#define MVX_SITE_ID() ((uint64_t)__LINE__ * 0x9E3779B97F4A7C15ull ^ (uint64_t)sizeof(__FILE__))

/* A region's record carries the id of its AFTER line: the same in every variant, so a follower
 * that reaches a different region than the leader recorded is reported as a divergence. */
#define MVX_SYNC_BEFORE() mvx_sync_op_before(MVX_SITE_ID())
#define MVX_SYNC_AFTER_DATA(buf, len) mvx_sync_op_after(MVX_SITE_ID(), (void *)(buf), (size_t)(len))
#define MVX_SYNC_U64(value) mvx_sync_u64(MVX_SITE_ID(), (uint64_t)(value))

/* _Pragma with macro arguments substituted: MVX_PRAGMA(mvx sync before). */
#define MVX_PRAGMA(x) _Pragma(#x)

/* A struct whose layout is an ABI (shared with a library or a file format not built by mvx-cc):
 * `struct MVX_FIXED_LAYOUT wire { ... };` keeps its source layout in every variant of
 * `mvx-cc --profile data` (system headers, unions and packed structs already do). */
#define MVX_FIXED_LAYOUT __attribute__((annotate("mvx_fixed_layout")))

#endif /* MVX_H */
