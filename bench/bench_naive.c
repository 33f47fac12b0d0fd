/* bench_naive.c - the naive byte-at-a-time copy loop, the floor of the
 * comparison. Compiled with -fno-tree-vectorize and
 * -fno-tree-loop-distribute-patterns where the compiler has them; the empty
 * asm on each byte also keeps any compiler from vectorising the loop or
 * turning it back into a memcpy call. */
#include "bench_impls.h"

__attribute__((noinline)) void *bench_naive_copy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        __asm__("" : "+r"(c));
        d[i] = c;
    }
    return dst;
}
