/* Parsers for what arrives in a request: query strings and urlencoded
 * bodies, multipart/form-data, and the Cookie header.  They are pure
 * functions over a buffer (no FastCGI, no globals) so they can be unit
 * tested and fuzzed directly.  Every limit is enforced while parsing:
 * a hostile request costs at most the limits, never more. */
#ifndef SR_FORM_H
#define SR_FORM_H
#include <stddef.h>
#include "arena.h"

typedef struct kv {
    const char *name;
    const char *value;         /* NUL-terminated; may also contain NULs for files */
    size_t len;                /* length of value in bytes */
    const char *filename;      /* multipart file parts only, else NULL */
    const char *content_type;  /* multipart parts with a Content-Type, else NULL */
    struct kv *next;
} kv_t;

typedef struct kvlist {
    kv_t *head, *tail;
    size_t count;
} kvlist_t;

typedef struct form_limits {
    size_t max_fields;   /* pairs or parts in one list */
    size_t max_name;     /* bytes of one name */
    size_t max_value;    /* bytes of one non-file value */
    size_t max_file;     /* bytes of one file part */
} form_limits_t;

enum form_status {
    FORM_OK = 0,
    FORM_ERR_SYNTAX = -1,   /* malformed input: answer 400 */
    FORM_ERR_LIMIT = -2,    /* a limit was exceeded: answer 413 */
    FORM_ERR_NOMEM = -3
};

extern const form_limits_t form_default_limits;

int form_parse_urlencoded(arena_t *a, const char *buf, size_t len,
                          const form_limits_t *lim, kvlist_t *out);
int form_parse_multipart(arena_t *a, const char *buf, size_t len,
                         const char *content_type, const form_limits_t *lim,
                         kvlist_t *out);
int form_parse_cookies(arena_t *a, const char *header,
                       const form_limits_t *lim, kvlist_t *out);

/* Pulls the boundary out of a multipart Content-Type header value.
 * Returns the boundary (arena copy) or NULL when absent or invalid. */
const char *form_multipart_boundary(arena_t *a, const char *content_type);

/* Percent-decoding; '+' becomes a space when plus_is_space.  dst must have
 * room for len+1 bytes.  Returns the decoded length or (size_t)-1 on a
 * malformed escape. */
size_t form_url_decode(char *dst, const char *src, size_t len, int plus_is_space);

int kv_add(arena_t *a, kvlist_t *l, const char *name, const char *value, size_t len);
const kv_t *kv_find(const kvlist_t *l, const char *name);
const char *kv_value(const kvlist_t *l, const char *name);   /* NULL when absent */

#endif
