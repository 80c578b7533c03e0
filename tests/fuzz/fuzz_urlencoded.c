/* libFuzzer target: query strings and urlencoded bodies, and the
 * percent-decoder underneath them. */
#include <stdlib.h>
#include "fuzz.h"

static arena_t *big_chunks, *small_chunks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    big_chunks = arena_new(0);
    small_chunks = arena_new(256);     /* exercises the chunk-overflow paths */
    return big_chunks && small_chunks ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    kvlist_t l = { 0 };
    int rc = form_parse_urlencoded(big_chunks, buf, size, &form_default_limits, &l);
    fuzz_walk(&l, &form_default_limits, rc);
    memset(&l, 0, sizeof l);
    rc = form_parse_urlencoded(small_chunks, buf, size, &fuzz_tiny_limits, &l);
    fuzz_walk(&l, &fuzz_tiny_limits, rc);

    char *dst = malloc(size + 1);
    if (dst) {
        size_t n = form_url_decode(dst, buf, size, size && (data[0] & 1));
        FUZZ_CHECK(n == (size_t)-1 || (n <= size && dst[n] == '\0'));
        if (n != (size_t)-1) fuzz_sink = fuzz_touch(dst, n + 1);
        free(dst);
    }
    arena_reset(big_chunks);
    arena_reset(small_chunks);
    return 0;
}
