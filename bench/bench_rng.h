/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_rng.h - small deterministic random numbers (splitmix64) for the
 * benchmark: size sampling and random offsets must be repeatable from a seed
 * and must not depend on the C library's rand(). */
#ifndef VMMEM_BENCH_RNG_H
#define VMMEM_BENCH_RNG_H

#include <stdint.h>

/* Next 64 random bits; *state is advanced. Any seed (0 included) works. */
static inline uint64_t bench_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static inline double bench_rng_unit(uint64_t *state)
{
    return (double)(bench_rng_next(state) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, bound); bound must be > 0. The modulo bias is
 * below 2^-40 for every bound the benchmark uses. */
static inline uint64_t bench_rng_below(uint64_t *state, uint64_t bound)
{
    return bench_rng_next(state) % bound;
}

#endif /* VMMEM_BENCH_RNG_H */
