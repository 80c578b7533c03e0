/* What staff see of the notification outbox (lib/outbox): messages of the
 * sites they may see, and the operator's own alerts (no site) for
 * administrators only. */
#ifndef SR_OUTBOXVIEW_H
#define SR_OUTBOXVIEW_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "auth.h"

/* The scope as SQL over an outbox site_id column; bind "Iii" with
 * OUTBOXVIEW_ARGS(u). */
#define OUTBOXVIEW_VISIBLE(col) \
    "((" col " IS NULL AND ? = 1) OR (" col " IS NOT NULL AND (? = 1 OR " col \
    " IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))))"
#define OUTBOXVIEW_ARGS(u) outboxview_sees_alerts(u), (u)->all_sites, (u)->id

/* 1 when u sees the operator's alerts (messages without a site). */
int outboxview_sees_alerts(const auth_user_t *u);
/* 1 when u may see a message of site_id (0 = none). */
int outboxview_can_see(const auth_user_t *u, int64_t site_id);
/* Messages in u's scope waiting for a person: failed, or unknown (they
 * may or may not have gone out). */
int outboxview_attention(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n);

#endif
