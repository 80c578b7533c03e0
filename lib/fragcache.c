#include "fragcache.h"
#include <stdlib.h>
#include <string.h>

struct entry {
    char *key, *data;
    size_t len;
    unsigned long used;      /* tick of the last get or put, for LRU */
};

struct fragcache {
    struct entry *e;
    int max, n;
    size_t max_bytes, bytes;
    unsigned long tick;
};

fragcache_t *fragcache_new(int max_entries, size_t max_bytes)
{
    fragcache_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->e = calloc((size_t)max_entries, sizeof *c->e);
    if (!c->e) { free(c); return NULL; }
    c->max = max_entries;
    c->max_bytes = max_bytes;
    return c;
}

static void drop(fragcache_t *c, int i)
{
    c->bytes -= c->e[i].len;
    free(c->e[i].key);
    free(c->e[i].data);   /* NOLINT(clang-analyzer-unix.Malloc): the analyzer loses track of the moved entry */
    c->n--;
    c->e[i] = c->e[c->n];       /* the last entry fills the hole */
    c->e[c->n] = (struct entry){ 0 };
}

void fragcache_free(fragcache_t *c)
{
    if (!c) return;
    while (c->n) drop(c, 0);
    free(c->e);
    free(c);
}

const char *fragcache_get(fragcache_t *c, const char *key, size_t *len)
{
    for (int i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].key, key) != 0) continue;
        c->e[i].used = ++c->tick;
        *len = c->e[i].len;
        return c->e[i].data;
    }
    return NULL;
}

void fragcache_put(fragcache_t *c, const char *key, char *data, size_t len)
{
    if (len > c->max_bytes) { free(data); return; }
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].key, key)) { drop(c, i); break; }
    while (c->n && (c->n >= c->max || c->bytes + len > c->max_bytes)) {
        int lru = 0;
        for (int i = 1; i < c->n; i++) if (c->e[i].used < c->e[lru].used) lru = i;
        drop(c, lru);
    }
    char *k = strdup(key);
    if (!k) { free(data); return; }
    c->e[c->n++] = (struct entry){ .key = k, .data = data, .len = len, .used = ++c->tick };
    c->bytes += len;
}
