/* Shared by the libFuzzer targets: walk a parsed list, touching every byte
 * so the sanitizers see any pointer into freed or foreign memory, and trap
 * on any list that breaks the promises lib/form.h makes, even after an
 * error return.  A trap is a crash to libFuzzer, so it keeps the input. */
#ifndef SR_FUZZ_H
#define SR_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "form.h"
#include "fuzz_check.h"

/* Small enough that every limit is hit often. */
static const form_limits_t fuzz_tiny_limits = {
    .max_fields = 3, .max_name = 4, .max_value = 8, .max_file = 16,
};


static void fuzz_walk(const kvlist_t *l, const form_limits_t *lim, int rc)
{
    FUZZ_CHECK(rc == FORM_OK || rc == FORM_ERR_SYNTAX || rc == FORM_ERR_LIMIT);
    size_t n = 0;
    unsigned sum = 0;
    const kv_t *last = NULL;
    for (const kv_t *kv = l->head; kv; kv = kv->next) {
        FUZZ_CHECK(kv->name && kv->value);
        size_t nl = strlen(kv->name);
        FUZZ_CHECK(nl >= 1 && nl <= lim->max_name);
        FUZZ_CHECK(kv->len <= (kv->filename ? lim->max_file : lim->max_value));
        FUZZ_CHECK(kv->value[kv->len] == '\0');
        /* text is text: only file parts may carry NUL bytes */
        FUZZ_CHECK(kv->filename || !memchr(kv->value, '\0', kv->len));
        sum += fuzz_touch(kv->name, nl + 1);
        sum += fuzz_touch(kv->value, kv->len + 1);
        if (kv->filename) sum += fuzz_touch(kv->filename, strlen(kv->filename) + 1);
        if (kv->content_type) sum += fuzz_touch(kv->content_type, strlen(kv->content_type) + 1);
        last = kv;
        n++;
    }
    FUZZ_CHECK(n == l->count && n <= lim->max_fields);
    FUZZ_CHECK(last == l->tail);
    if (l->head) FUZZ_CHECK(kv_find(l, l->head->name) == l->head);
    fuzz_sink = sum;
}

#endif
