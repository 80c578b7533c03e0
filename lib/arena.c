#include "arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct arena {
    struct chunk *head;   /* current chunk; older ones follow */
    size_t chunk_size;
    size_t total;
};

static struct chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct chunk)) return NULL;   /* header + size would wrap */
    struct chunk *c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena_t *arena_new(size_t chunk_size)
{
    arena_t *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->head = chunk_new(a->chunk_size);
    if (!a->head) { free(a); return NULL; }
    return a;
}

void *arena_alloc(arena_t *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n) return NULL;                       /* overflow */
    struct chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        struct chunk *nc = chunk_new(size);
        if (!nc) return NULL;
        /* A big one-off block goes behind the current chunk so the
         * current chunk's free space stays usable. */
        if (c && need > a->chunk_size) {
            nc->next = c->next;
            c->next = nc;
            nc->used = need;
            a->total += need;
            memset(nc->data, 0, n);
            return nc->data;
        }
        nc->next = c;
        a->head = c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (!s) return NULL;
    char *d = arena_alloc(a, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(arena_t *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return NULL;
    char *d = arena_alloc(a, (size_t)n + 1);
    if (!d) return NULL;
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

size_t arena_used(const arena_t *a) { return a->total; }

void arena_reset(arena_t *a)
{
    /* Keep the oldest chunk (the first one allocated, of the default
     * size) so a steady stream of small requests never calls malloc. */
    struct chunk *c = a->head, *keep = NULL;
    while (c) {
        struct chunk *next = c->next;
        if (!next && c->size == a->chunk_size) keep = c;
        else free(c);
        c = next;
    }
    if (!keep) keep = chunk_new(a->chunk_size);
    if (keep) { keep->used = 0; keep->next = NULL; }
    a->head = keep;
    a->total = 0;
}

void arena_free(arena_t *a)
{
    if (!a) return;
    struct chunk *c = a->head;
    while (c) { struct chunk *n = c->next; free(c); c = n; }
    free(a);
}
