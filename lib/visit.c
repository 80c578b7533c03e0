/* Vault visits.  Every check-in and check-out is one transaction with its
 * audit rows.  The contract row is the lock that serialises everything
 * about one locker's visits: two clerks (or a clerk and the fingerprint
 * reader) checking the same customer in at once queue on it, and the
 * second one finds the first one's visit open. */
#include "visit.h"
#include "utf8.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VISIT_TX_ATTEMPTS 3

static int refuse(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return VISIT_REFUSED;
}

static int nonblank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 1;
    return 0;
}

/* A verifier's reference travels in URLs, logs and the audit trail:
 * printable ASCII without spaces keeps it unambiguous everywhere. */
static int valid_ref(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > VISIT_REF_MAX) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~') return 0;
    return 1;
}

int visit_validate_start(const visit_start_t *v, inv_error_t *err)
{
    const char *by = v->verified_by;
    if (by && !strcmp(by, "staff_override")) {
        if (!nonblank(v->override_reason)) { refuse(err, "override_reason", "override_reason"); return -1; }
        if (utf8_chars(v->override_reason) > VISIT_REASON_MAX) { refuse(err, "override_reason", "too_long"); return -1; }
        if (v->staff_user_id > 0 && (v->override_approved_by <= 0 || v->override_approved_by == v->staff_user_id)) {
            refuse(err, "approver", "override_approval");
            return -1;
        }
        return 0;
    }
    if (by && !strcmp(by, "fingerprint")) {
        if (!valid_ref(v->verification_ref)) { refuse(err, "verification_ref", "verification_ref"); return -1; }
        return 0;
    }
    refuse(err, "verified_by", "invalid");
    return -1;
}

void visit_format_duration(int64_t seconds, char *out, size_t outlen)
{
    /* A clock skewed between check-in and check-out must not print a
     * negative stay. */
    if (seconds < 0) seconds = 0;
    snprintf(out, outlen, "%lld:%02d:%02d", (long long)(seconds / 3600), (int)(seconds / 60 % 60),
             (int)(seconds % 60));
}

/* ---------- transactions ---------- */

/* A visit transaction gets a scratch arena, emptied before every attempt. */
struct visit_tx {
    int (*fn)(db_t *, arena_t *, void *);
    arena_t *a;
    void *ctx;
};

static int visit_tx_run(db_t *db, void *p)
{
    struct visit_tx *t = p;
    arena_reset(t->a);
    return t->fn(db, t->a, t->ctx);
}

/* Runs fn in the caller's transaction or its own (db_run_tx); a refusal
 * (> 0) rolls back what little was done and passes through. */
static int in_tx(db_t *db, int (*fn)(db_t *, arena_t *, void *), void *ctx)
{
    struct visit_tx t = { fn, arena_new(8192), ctx };
    if (!t.a) return DB_ERR;
    int rc = db_run_tx(db, VISIT_TX_ATTEMPTS, visit_tx_run, &t);
    arena_free(t.a);
    return rc;
}

static char *json_text(json_t *j)
{
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

static int audit_json(db_t *db, const audit_actor_t *who, const char *action, int64_t visit_id, int64_t site_id,
                      json_t *detail)
{
    char *text = json_text(detail);
    if (!text) return DB_ERR;
    int rc = audit_write(db, who, action, "visit", visit_id, site_id, text);
    free(text);
    return rc;
}

/* ---------- check-in ---------- */

typedef struct check_in_ctx {
    const audit_actor_t *who;
    const visit_start_t *v;
    int64_t *id;
    inv_error_t *err;
} check_in_ctx_t;

/* The visit a verification already opened: DB_OK with *found and *id
 * when there is one for this contract (*found 0 when none), VISIT_REFUSED
 * when the reference opened a visit on another contract (a verification
 * proves one person at one locker once), or a db_status. */
static int replayed_visit(db_t *db, arena_t *a, const visit_start_t *v, int64_t *id, int *found, inv_error_t *err)
{
    *found = 0;
    if (!v->verification_ref) return DB_OK;
    db_res_t *r;
    /* A locking read sees the latest committed row, not this
     * transaction's snapshot. */
    int rc = db_query(db, a, &r, "SELECT id, contract_id FROM visits WHERE verification_ref = ? LOCK IN SHARE MODE",
                      "s", v->verification_ref);
    if (rc) return rc;
    if (r->nrows == 0) return DB_OK;
    if (db_cell_int(r, 0, 1) != v->contract_id) return refuse(err, "verification_ref", "verification_used");
    *id = db_cell_int(r, 0, 0);
    *found = 1;
    return DB_OK;
}

static int check_in_tx(db_t *db, arena_t *a, void *p)
{
    check_in_ctx_t *c = p;
    const visit_start_t *v = c->v;
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT site_id, customer_id, cell_id, state FROM contracts WHERE id = ? FOR UPDATE", "i", v->contract_id);
    if (rc) return rc;
    if (r->nrows != 1 || db_cell_int(r, 0, 0) != v->site_id) {
        refuse(c->err, "contract_id", "not_found");
        return VISIT_NOT_FOUND;
    }
    int64_t customer_id = db_cell_int(r, 0, 1), cell_id = db_cell_int(r, 0, 2);
    const char *state = db_cell(r, 0, 3);

    /* A retried verification (the reader's request repeated, a double
     * click) answers with its visit before any rule is applied again:
     * the contract may have changed since, the visit stands. */
    int found;
    if ((rc = replayed_visit(db, a, v, c->id, &found, c->err)) != DB_OK || found) return rc;

    if (!strcmp(state, "suspended")) return refuse(c->err, "contract_id", "contract_suspended");
    if (strcmp(state, "active") != 0) return refuse(c->err, "contract_id", "contract_closed");

    if ((rc = db_query(db, a, &r, "SELECT id FROM visits WHERE open_contract_id = ? FOR UPDATE", "i", v->contract_id)))
        return rc;
    if (r->nrows) return refuse(c->err, "contract_id", "visit_open");

    int override = !strcmp(v->verified_by, "staff_override");
    const char *reason = override ? v->override_reason : "";
    const char *ref = override ? NULL : v->verification_ref;
    int64_t approver = override ? v->override_approved_by : 0;
    long n = db_exec(db,
        "INSERT INTO visits (site_id, customer_id, contract_id, cell_id, verified_by, override_reason,"
        " override_approved_by, verification_ref, staff_user_id) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, 0))",
        "iiiissisi", v->site_id, customer_id, v->contract_id, cell_id, v->verified_by, reason, approver, ref,
        v->staff_user_id);
    if (n == DB_ERR_DUP) {
        /* The unique keys are the last guard, for a caller whose own
         * transaction read an older snapshot. */
        if ((rc = replayed_visit(db, a, v, c->id, &found, c->err)) != DB_OK || found) return rc;
        return refuse(c->err, "contract_id", "visit_open");
    }
    if (n < 0) return (int)n;
    *c->id = db_last_id(db);

    rc = audit_json(db, c->who, "visit.check_in", *c->id, v->site_id,
                    json_pack("{s:I, s:I, s:I, s:s, s:s?}", "contract_id", (json_int_t)v->contract_id,
                              "customer_id", (json_int_t)customer_id, "cell_id", (json_int_t)cell_id,
                              "verified_by", v->verified_by, "verification_ref", ref));
    if (rc == DB_OK && override)
        rc = audit_json(db, c->who, "visit.override", *c->id, v->site_id,
                        json_pack("{s:I, s:I, s:s, s:I}", "contract_id", (json_int_t)v->contract_id,
                                  "customer_id", (json_int_t)customer_id, "reason", reason,
                                  "approved_by", (json_int_t)approver));
    return rc;
}

int visit_check_in(db_t *db, const audit_actor_t *who, const visit_start_t *v, int64_t *id, inv_error_t *err)
{
    inv_error_t scratch = { 0 };
    if (!err) err = &scratch;
    *id = 0;
    if (visit_validate_start(v, err) != 0) return VISIT_REFUSED;
    if (v->site_id <= 0 || v->contract_id <= 0) {
        refuse(err, "contract_id", "not_found");
        return VISIT_NOT_FOUND;
    }
    check_in_ctx_t c = { who, v, id, err };
    return in_tx(db, check_in_tx, &c);
}

/* ---------- check-out ---------- */

typedef struct check_out_ctx {
    const audit_actor_t *who;
    int64_t visit_id, staff_user_id;
    inv_error_t *err;
} check_out_ctx_t;

static int check_out_tx(db_t *db, arena_t *a, void *p)
{
    check_out_ctx_t *c = p;
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT site_id, contract_id, customer_id, cell_id, checked_out_at FROM visits WHERE id = ? FOR UPDATE",
        "i", c->visit_id);
    if (rc) return rc;
    if (r->nrows != 1) {
        refuse(c->err, "visit_id", "not_found");
        return VISIT_NOT_FOUND;
    }
    if (db_cell(r, 0, 4)) return refuse(c->err, "visit_id", "visit_closed");
    int64_t site_id = db_cell_int(r, 0, 0), contract_id = db_cell_int(r, 0, 1);
    int64_t customer_id = db_cell_int(r, 0, 2), cell_id = db_cell_int(r, 0, 3);
    long n = db_exec(db,
        "UPDATE visits SET checked_out_at = UTC_TIMESTAMP(6), checkout_staff_id = NULLIF(?, 0)"
        " WHERE id = ? AND checked_out_at IS NULL", "ii", c->staff_user_id, c->visit_id);
    if (n < 0) return (int)n;
    if (n != 1) return refuse(c->err, "visit_id", "visit_closed");
    if ((rc = db_query(db, a, &r,
            "SELECT TIMESTAMPDIFF(SECOND, checked_in_at, checked_out_at) FROM visits WHERE id = ?", "i", c->visit_id)))
        return rc;
    return audit_json(db, c->who, "visit.check_out", c->visit_id, site_id,
                      json_pack("{s:I, s:I, s:I, s:I}", "contract_id", (json_int_t)contract_id,
                                "customer_id", (json_int_t)customer_id, "cell_id", (json_int_t)cell_id,
                                "seconds", (json_int_t)db_cell_int(r, 0, 0)));
}

int visit_check_out(db_t *db, const audit_actor_t *who, int64_t visit_id, int64_t staff_user_id, inv_error_t *err)
{
    inv_error_t scratch = { 0 };
    if (!err) err = &scratch;
    if (visit_id <= 0) {
        refuse(err, "visit_id", "not_found");
        return VISIT_NOT_FOUND;
    }
    check_out_ctx_t c = { who, visit_id, staff_user_id, err };
    return in_tx(db, check_out_tx, &c);
}

int64_t visit_site(db_t *db, arena_t *a, int64_t visit_id)
{
    db_res_t *r;
    if (visit_id <= 0 || db_query(db, a, &r, "SELECT site_id FROM visits WHERE id = ?", "i", visit_id) || r->nrows != 1)
        return 0;
    return db_cell_int(r, 0, 0);
}
