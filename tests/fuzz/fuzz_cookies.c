/* libFuzzer target: the Cookie header.  The parser takes a C string, so
 * the input is copied and NUL-terminated (an inner NUL just ends it). */
#include <stdlib.h>
#include "fuzz.h"

static arena_t *big_chunks, *small_chunks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    big_chunks = arena_new(0);
    small_chunks = arena_new(256);
    return big_chunks && small_chunks ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1);
    if (!header) return 0;
    memcpy(header, data, size);
    header[size] = '\0';

    kvlist_t l = { 0 };
    int rc = form_parse_cookies(big_chunks, header, &form_default_limits, &l);
    fuzz_walk(&l, &form_default_limits, rc);
    for (const kv_t *kv = l.head; kv; kv = kv->next)
        FUZZ_CHECK(kv->len == strlen(kv->value) && !kv->filename && !kv->content_type);
    memset(&l, 0, sizeof l);
    rc = form_parse_cookies(small_chunks, header, &fuzz_tiny_limits, &l);
    fuzz_walk(&l, &fuzz_tiny_limits, rc);

    free(header);
    arena_reset(big_chunks);
    arena_reset(small_chunks);
    return 0;
}
