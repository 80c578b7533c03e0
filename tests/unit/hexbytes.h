/* Frames written as hex text in the codec tests ("02 01 05 51 03 5C"),
 * shared by test_cu_frame.c and test_mb_frame.c.  Include after cmocka.h. */
#ifndef SR_TEST_HEXBYTES_H
#define SR_TEST_HEXBYTES_H

#include <stdint.h>
#include <stdio.h>

/* The bytes of text into out; returns the count. */
static size_t unhex(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;
    int used;
    while (sscanf(text, " %2x%n", &v, &used) == 1) {
        if (n == cap) fail_msg("hex text longer than %zu bytes", cap);
        out[n++] = (uint8_t)v;
        text += used;
    }
    return n;
}

/* An encoder's result is exactly the frame written in hex. */
static void encoded_as(size_t got, const uint8_t *buf, const char *hex)
{
    uint8_t want[512];
    size_t n = unhex(hex, want, sizeof want);
    if (got != n) fail_msg("encoded %zu bytes, want %zu (%s)", got, n, hex);
    assert_memory_equal(buf, want, n);
}

#endif
