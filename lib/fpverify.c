#include "fpverify.h"
#include <stdio.h>
#include <string.h>

#define FPV_TX_ATTEMPTS 3

int fpv_lockout(db_t *db, arena_t *a, int64_t site_id, int64_t customer_id, fpv_lockout_t *out)
{
    *out = (fpv_lockout_t){ .until_local = "" };
    db_res_t *r;
    /* The failures in the window, newest first, after the last match.
     * Locked while at least max of them are in the window: until the
     * max-th newest leaves it. */
    int rc = db_query(db, a, &r,
        "SELECT s.fp_max_failures,"
        " DATE_FORMAT(COALESCE(CONVERT_TZ(f.attempted_at + INTERVAL s.fp_lockout_minutes MINUTE, '+00:00', s.time_zone),"
        "   f.attempted_at + INTERVAL s.fp_lockout_minutes MINUTE), '%Y-%m-%d %H:%i')"
        " FROM sites s LEFT JOIN fingerprint_attempts f ON f.customer_id = ? AND f.kind = 'verify'"
        "  AND f.result = 'no_match' AND f.attempted_at > UTC_TIMESTAMP(6) - INTERVAL s.fp_lockout_minutes MINUTE"
        "  AND f.attempted_at > COALESCE((SELECT MAX(m.attempted_at) FROM fingerprint_attempts m"
        "                                  WHERE m.customer_id = ? AND m.result = 'match'), '1000-01-01')"
        " WHERE s.id = ? ORDER BY f.attempted_at DESC, f.id DESC",
        "iii", customer_id, customer_id, site_id);
    if (rc) return rc;
    if (r->nrows == 0) return DB_ERR_FK;
    out->max_failures = (int)db_cell_int(r, 0, 0);
    out->failures = db_cell(r, 0, 1) ? r->nrows : 0;
    if (out->max_failures > 0 && out->failures >= out->max_failures) {
        out->locked = 1;
        out->until_local = arena_strdup(a, db_cell(r, out->max_failures - 1, 1));
        if (!out->until_local) return DB_ERR;
    }
    return DB_OK;
}

struct record_ctx {
    arena_t *a;
    notice_t *notices;
    const audit_actor_t *who;
    const fpv_attempt_t *at;
    fpv_lockout_t *lock;
};

static int record_tx(db_t *db, void *p)
{
    struct record_ctx *x = p;
    const fpv_attempt_t *at = x->at;
    long n = db_exec(db,
        "INSERT INTO fingerprint_attempts (site_id, customer_id, kind, result, detail, match_id, staff_user_id)"
        " VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0))",
        "iissssi", at->site_id, at->customer_id, at->kind, at->result,
        at->detail ? at->detail : "", at->match_id, at->staff_user_id);
    if (n < 0) return (int)n;
    *x->lock = (fpv_lockout_t){ .until_local = "" };
    if (!at->customer_id) return DB_OK;
    int rc = fpv_lockout(db, x->a, at->site_id, at->customer_id, x->lock);
    if (rc) return rc;
    int failed_verify = !strcmp(at->kind, "verify") && !strcmp(at->result, "no_match");
    if (!failed_verify || !x->lock->locked || x->lock->failures != x->lock->max_failures) return DB_OK;

    /* This failure started the lock-out: said once, to the log and the staff. */
    char detail[160];
    snprintf(detail, sizeof detail, "{\"failures\":%d,\"until_local\":\"%s\"}", x->lock->failures,
             x->lock->until_local);
    rc = audit_write(db, x->who, "fingerprint.lockout", "customer", at->customer_id, at->site_id, detail);
    if (rc || !x->notices) return rc;
    db_res_t *r;
    rc = db_query(db, x->a, &r, "SELECT full_name FROM customers WHERE id = ?", "i", at->customer_id);
    if (rc) return rc;
    char count[16], customer[24];
    snprintf(count, sizeof count, "%d", x->lock->failures);
    snprintf(customer, sizeof customer, "%lld", (long long)at->customer_id);
    notice_var_t vars[] = { { "name", r->nrows ? db_cell(r, 0, 0) : "" }, { "customer", customer },
                            { "count", count }, { "until", x->lock->until_local } };
    int put = notice_staff(x->notices, db, at->site_id, "fp_lockout",
                           arena_printf(x->a, "fp_lockout:%lld:%s", (long long)at->customer_id, x->lock->until_local),
                           vars, 4);
    return put < 0 ? put : DB_OK;
}

int fpv_record(db_t *db, arena_t *a, notice_t *notices, const audit_actor_t *who, const fpv_attempt_t *at,
               fpv_lockout_t *lock)
{
    fpv_lockout_t scratch;
    struct record_ctx x = { a, notices, who, at, lock ? lock : &scratch };
    return db_run_tx(db, FPV_TX_ATTEMPTS, record_tx, &x);
}
