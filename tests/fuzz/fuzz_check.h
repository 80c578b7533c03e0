/* What every libFuzzer target here shares: a check that traps (a trap is a
 * crash to libFuzzer, so it keeps the input) and a walk that touches every
 * byte of a result, so the sanitizers see any pointer into freed or
 * foreign memory. */
#ifndef SR_FUZZ_CHECK_H
#define SR_FUZZ_CHECK_H
#include <stddef.h>

static volatile unsigned fuzz_sink;

#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static inline unsigned fuzz_touch(const char *s, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum = sum * 31u + (unsigned char)s[i];
    return sum;
}

#endif
