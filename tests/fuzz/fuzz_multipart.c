/* libFuzzer target: multipart/form-data.  The first line of the input (up
 * to '\n') is the Content-Type header and the rest is the body; the body
 * is also parsed under a fixed valid Content-Type so that mutations of the
 * body are not wasted on a header that has no usable boundary. */
#include <stdlib.h>
#include "fuzz.h"

#define FIXED_CT "multipart/form-data; boundary=XyZ"

static arena_t *big_chunks, *small_chunks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    big_chunks = arena_new(0);
    small_chunks = arena_new(256);
    return big_chunks && small_chunks ? 0 : -1;
}

static void parse_both(const char *body, size_t len, const char *ct)
{
    kvlist_t l = { 0 };
    int rc = form_parse_multipart(big_chunks, body, len, ct, &form_default_limits, &l);
    fuzz_walk(&l, &form_default_limits, rc);
    memset(&l, 0, sizeof l);
    rc = form_parse_multipart(small_chunks, body, len, ct, &fuzz_tiny_limits, &l);
    fuzz_walk(&l, &fuzz_tiny_limits, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* body points into libFuzzer's exact-size copy: a read past its end
     * is a heap overflow that ASan reports */
    const char *body = (const char *)data;
    size_t len = size;
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl) {
        size_t hl = (size_t)(nl - data);
        char *ct = malloc(hl + 1);
        if (!ct) return 0;
        memcpy(ct, data, hl);
        ct[hl] = '\0';
        body = (const char *)nl + 1;
        len = size - hl - 1;

        const char *b = form_multipart_boundary(big_chunks, ct);
        if (b) {
            size_t bl = strlen(b);
            FUZZ_CHECK(bl >= 1 && bl <= 70);
            fuzz_sink = fuzz_touch(b, bl + 1);
        }
        parse_both(body, len, ct);
        free(ct);
    }
    parse_both(body, len, FIXED_CT);
    arena_reset(big_chunks);
    arena_reset(small_chunks);
    return 0;
}
