/* A small per-process cache of rendered page fragments, keyed by a
 * string that must include everything the fragment depends on (for the
 * locker grid: site, inventory version, language and filters).  Entries
 * are never invalidated explicitly: a change bumps the version in the
 * key, and the stale entry ages out.  Bounded in entries and bytes so a
 * worker stays small. */
#ifndef SR_FRAGCACHE_H
#define SR_FRAGCACHE_H
#include <stddef.h>

typedef struct fragcache fragcache_t;

fragcache_t *fragcache_new(int max_entries, size_t max_bytes);
void         fragcache_free(fragcache_t *c);
/* The cached bytes for key, or NULL.  Valid until the next put. */
const char  *fragcache_get(fragcache_t *c, const char *key, size_t *len);
/* Takes ownership of data (malloc'd).  Evicts least recently used entries. */
void         fragcache_put(fragcache_t *c, const char *key, char *data, size_t len);

#endif
