/* Per-request arena: every allocation made while serving one request comes
 * from here and is released in one go when the request ends, so handlers
 * never free anything and cannot leak across requests. */
#ifndef SR_ARENA_H
#define SR_ARENA_H
#include <stddef.h>
#include <stdarg.h>

typedef struct arena arena_t;

arena_t *arena_new(size_t chunk_size);
void    *arena_alloc(arena_t *a, size_t n);           /* zeroed, 16-byte aligned; NULL on OOM */
char    *arena_strdup(arena_t *a, const char *s);      /* NULL in -> NULL out */
char    *arena_strndup(arena_t *a, const char *s, size_t n);
char    *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char    *arena_vprintf(arena_t *a, const char *fmt, va_list ap);
size_t   arena_used(const arena_t *a);
void     arena_reset(arena_t *a);                      /* keeps the first chunk for reuse */
void     arena_free(arena_t *a);

#endif
