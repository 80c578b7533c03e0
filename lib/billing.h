/* The billing run (DESIGN.md §3): charges every rent period that has
 * fallen due up to a moment and is not charged yet, site by site in the
 * site's local calendar, then moves due tracking (lib/dues) and puts the
 * due notices.  Idempotent: each period is one ledger journal keyed
 * rent:<contract>:<period start>, and a contract's next period moves in
 * the same transaction as its charges, so a run killed anywhere and
 * started again charges every period exactly once. */
#ifndef SR_BILLING_H
#define SR_BILLING_H
#include <stdint.h>
#include "db.h"
#include "audit.h"
#include "inventory.h"
#include "notice.h"

#define BILLING_CURRENCIES 16

typedef struct billing_summary {
    int64_t sites;
    int64_t seen;              /* contracts with something due (or parked) looked at */
    int64_t charged;           /* periods charged by this run */
    int64_t contracts_charged;
    int64_t parked;            /* contracts parked by the safety bound (newly or still) */
    int64_t notices;           /* due notices put in the outbox */
    int64_t overdue, suspended, resumed;   /* due-tracking changes */
    struct { char currency[4]; int64_t amount; } totals[BILLING_CURRENCIES];
    int ntotals;
} billing_summary_t;

/* Called after each batch and each site: so far, and the site at work. */
typedef void (*billing_progress_fn)(void *ctx, const billing_summary_t *so_far, int64_t site_id,
                                    const char *site_name);

typedef struct billing_opts {
    const char *as_of;          /* UTC "YYYY-MM-DD HH:MM:SS"; NULL = now */
    int64_t site_id;            /* one site; 0 = every site with the vault module */
    /* Workers in parallel: this one takes every nshards-th site from
     * shard (0-based); nshards 0 or 1 = all.  Sites are independent:
     * runs on different sites share no rows but the audit chain head. */
    int shard, nshards;
    billing_progress_fn progress;
    void *ctx;
} billing_opts_t;

/* notices may be NULL (no notices put).  0 when the run finished, else a
 * db_status with err filled.  Switches the connection to READ COMMITTED
 * (see billing.c). */
int billing_run(db_t *db, notice_t *notices, const billing_opts_t *o, billing_summary_t *out, char *err,
                size_t errlen);

/* Adds a worker's summary to another (totals by currency). */
void billing_summary_add(billing_summary_t *to, const billing_summary_t *from);

/* An operator's decision on a parked contract: charge every period due
 * up to as_of (NULL = now) after all, or waive them (the contract carries
 * on from the current period without charging the missed ones).  reason
 * required; audited. */
int billing_release(db_t *db, const audit_actor_t *who, int64_t contract_id, int charge, const char *reason,
                    const char *as_of, inv_error_t *err);

#endif
