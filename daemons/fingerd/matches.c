/* Match ids (docs/fingerd.md §4): proof that this reader matched this
 * customer just now.  Kept in memory only, oldest first; a lookup after
 * the TTL finds nothing.  Operations take seconds each, so the table
 * stays tiny; FD_MATCHES_MAX only bounds a misbehaving client. */
#include <string.h>
#include <time.h>
#include "fingerd.h"

double fd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void expire(fd_matches_t *m, double now_ms, double ttl_ms)
{
    int old = 0;
    while (old < m->n && now_ms - m->v[old].made_ms > ttl_ms) old++;
    if (!old) return;
    memmove(m->v, m->v + old, sizeof m->v[0] * (size_t)(m->n - old));
    m->n -= old;
}

void fd_matches_put(fd_matches_t *m, const fd_match_t *rec, double now_ms, double ttl_ms)
{
    expire(m, now_ms, ttl_ms);
    if (m->n == FD_MATCHES_MAX) {          /* the oldest goes first */
        memmove(m->v, m->v + 1, sizeof m->v[0] * (size_t)(m->n - 1));
        m->n--;
    }
    m->v[m->n] = *rec;
    m->v[m->n].made_ms = now_ms;
    m->n++;
}

const fd_match_t *fd_matches_get(fd_matches_t *m, const char *id, double now_ms, double ttl_ms)
{
    expire(m, now_ms, ttl_ms);
    for (int i = 0; i < m->n; i++)
        if (secret_str_equal(m->v[i].id, id)) return &m->v[i];
    return NULL;
}
