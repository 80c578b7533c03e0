/* libFuzzer target: gateway_answer_field, which reads the provider's id out
 * of whatever an SMS gateway answered (any bytes, any size).  It must
 * never read past the answer, and what it returns must be a plain string
 * no longer than the answer itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "gateway.h"
#include "fuzz_check.h"

static const char *const paths[] = { "id", "message_id", "data.id", "result.messages.id", "a.b.c.d.e", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *path = paths[data[0] % (sizeof paths / sizeof paths[0])];
    /* An exact-size copy: a read past the end is an ASan report. */
    char *answer = malloc(size - 1 ? size - 1 : 1);
    if (!answer) return 0;
    memcpy(answer, data + 1, size - 1);
    arena_t *a = arena_new(1024);
    if (a) {
        char *v = gateway_answer_field(a, answer, size - 1, path);
        if (v) {
            size_t n = strlen(v);
            FUZZ_CHECK(n <= size - 1);
            fuzz_sink += fuzz_touch(v, n);
        }
        arena_free(a);
    }
    free(answer);
    return 0;
}
