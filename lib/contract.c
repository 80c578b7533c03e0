/* Vault plans and contracts.  A contract's start, its suspension and its
 * close are each one transaction together with the cell's status, the
 * contract events, the ledger postings and the audit row; inside the
 * caller's transaction when one is open (enrollment approval), else our
 * own, retried on deadlock. */
#include "contract.h"
#include "fingerprint.h"
#include "ledger.h"
#include "validate.h"
#include "utf8.h"
#include "sitetime.h"
#include "rentperiod.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return -1;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

static int valid_period(const char *p) { return p && (!strcmp(p, "monthly") || !strcmp(p, "yearly")); }

static int size_rank(const char *s)
{
    for (int i = 0; s && inv_sizes[i]; i++) if (!strcmp(s, inv_sizes[i])) return i + 1;
    return 0;
}

static char *json_text(json_t *j)
{
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

/* Runs fn inside the caller's transaction when one is open, else in our
 * own, retried on deadlock. */
static int in_tx(db_t *db, int (*fn)(db_t *, void *), void *ctx, inv_error_t *err)
{
    if (err) *err = (inv_error_t){ 0 };
    return db_run_tx(db, 3, fn, ctx);
}

/* A ledger status as a db_status: replays are fine (the posting exists). */
static int ledger_rc(int rc, inv_error_t *err, const ledger_err_t *lerr)
{
    if (rc == LEDGER_OK || rc == LEDGER_REPLAYED) return DB_OK;
    if (rc < 0) return rc;
    if (err && !err->code) fail(err, lerr->field ? lerr->field : "ledger", lerr->code ? lerr->code : "ledger_refused");
    return DB_ERR;
}

/* ---------- proration (pure) ---------- */

static int days_in_month(int y, int m)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}

int contract_prorate(int64_t price, const char *period, const char *starts_on, int64_t *amount, char *end_out)
{
    if (price < 0 || !valid_period(period) || !validate_date(starts_on)) return -1;
    int y = atoi(starts_on), m = atoi(starts_on + 5), d = atoi(starts_on + 8);
    if (!strcmp(period, "yearly")) {
        /* A year from the start, less a day (29 Feb starts end on 27 Feb). */
        int ey = y + 1, em = m, ed = d - 1;
        if (m == 2 && d == 29) ed = 27;
        if (ed == 0) { em = m - 1; if (em == 0) { em = 12; ey--; } ed = days_in_month(ey, em); }
        if (end_out) snprintf(end_out, 11, "%04d-%02d-%02d", ey, em, ed);
        *amount = price;
        return 0;
    }
    int dim = days_in_month(y, m), days = dim - d + 1;
    if (end_out) snprintf(end_out, 11, "%04d-%02d-%02d", y, m, dim);
    if (days == dim) { *amount = price; return 0; }
    if (price > INT64_MAX / 32) return -1;          /* price * days must not overflow */
    *amount = (price * days + dim / 2) / dim;       /* half up, in minor units */
    return 0;
}

/* ---------- plans ---------- */

struct plan_ctx {
    const audit_actor_t *who;
    const plan_t *p;
    int64_t id;
    inv_error_t *err;
};

static int plan_tx(db_t *db, void *arg)
{
    struct plan_ctx *x = arg;
    const plan_t *p = x->p;
    arena_t *a = arena_new(2048);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT id FROM sites WHERE id = ? FOR UPDATE", "i", p->site_id);
    if (rc == DB_OK && r->nrows != 1) { fail(x->err, "site_id", "not_found"); rc = DB_ERR_FK; }
    if (rc == DB_OK)
        rc = db_query(db, a, &r, "SELECT id, price, deposit, active FROM plans WHERE site_id = ? AND size_class = ?"
                                 " AND period = ? FOR UPDATE", "iss", p->site_id, p->size_class, p->period);
    if (rc) { arena_free(a); return rc; }
    int active = p->active ? 1 : 0;
    if (r->nrows == 1) {
        x->id = db_cell_int(r, 0, 0);
        int same = db_cell_int(r, 0, 1) == p->price && db_cell_int(r, 0, 2) == p->deposit &&
                   db_cell_int(r, 0, 3) == active;
        arena_free(a);
        if (same) return DB_OK;   /* nothing changed, nothing to record */
        long n = db_exec(db, "UPDATE plans SET price = ?, deposit = ?, active = ?, updated_at = UTC_TIMESTAMP(6)"
                             " WHERE id = ?", "iiIi", p->price, p->deposit, active, x->id);
        if (n < 0) return (int)n;
    } else {
        arena_free(a);
        long n = db_exec(db, "INSERT INTO plans (site_id, size_class, period, price, deposit, active)"
                             " VALUES (?, ?, ?, ?, ?, ?)", "issiiI", p->site_id, p->size_class, p->period,
                         p->price, p->deposit, active);
        if (n < 0) return (int)n;
        x->id = db_last_id(db);
    }
    char *detail = json_text(json_pack("{s:s, s:s, s:I, s:I, s:b}", "size", p->size_class, "period", p->period,
                                       "price", (json_int_t)p->price, "deposit", (json_int_t)p->deposit,
                                       "active", active));
    rc = audit_write(db, x->who, "plan.save", "plan", x->id, p->site_id, detail);
    free(detail);
    return rc;
}

int plan_save(db_t *db, const audit_actor_t *who, const plan_t *p, int64_t *id, inv_error_t *err)
{
    if (!inv_valid_size(p->size_class)) return fail(err, "size_class", "bad_size"), DB_ERR;
    if (!valid_period(p->period)) return fail(err, "period", "period_invalid"), DB_ERR;
    if (p->price < 0) return fail(err, "price", "price_invalid"), DB_ERR;
    if (p->deposit < 0) return fail(err, "deposit", "deposit_invalid"), DB_ERR;
    struct plan_ctx x = { .who = who, .p = p, .err = err };
    int rc = in_tx(db, plan_tx, &x, err);
    if (rc == DB_OK && id) *id = x.id;
    return rc;
}

/* ---------- proposing cells ---------- */

/* One flag per known feature: the query asks FIND_IN_SET for those set. */
static int feature_flags(const char *features, int flags[4])
{
    for (int i = 0; i < 4; i++) flags[i] = 0;
    if (!features || !*features) return 0;
    if (!inv_valid_features(features)) return -1;
    for (int i = 0; i < 4 && inv_features[i]; i++) {
        size_t n = strlen(inv_features[i]);
        for (const char *p = features; (p = strstr(p, inv_features[i])) != NULL; p += n)
            if ((p == features || p[-1] == ',') && (p[n] == ',' || !p[n])) flags[i] = 1;
    }
    return 0;
}

#define FITTING_CELLS \
    " FROM cells c WHERE c.site_id = ? AND c.status = 'free' AND c.size_class + 0 >= ?" \
    " AND (? = 0 OR FIND_IN_SET('charging', c.features) > 0)" \
    " AND (? = 0 OR FIND_IN_SET('refrigerated', c.features) > 0)" \
    " AND (? = 0 OR FIND_IN_SET('heated', c.features) > 0)" \
    " AND (? = 0 OR FIND_IN_SET('accessible', c.features) > 0)"

int contract_propose_cells(db_t *db, arena_t *a, int64_t site_id, const char *min_size,
                           const char *features, int64_t *ids, int max, int *n)
{
    *n = 0;
    int rank = min_size && *min_size ? size_rank(min_size) : 1, f[4];
    if (!rank || feature_flags(features, f) != 0 || max <= 0) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT c.id" FITTING_CELLS " ORDER BY c.size_class + 0, c.bank_id, c.number LIMIT ?",
                      "iIIIIII", site_id, rank, f[0], f[1], f[2], f[3], max);
    if (rc) return rc;
    for (int i = 0; i < r->nrows && i < max; i++) ids[(*n)++] = db_cell_int(r, i, 0);
    return DB_OK;
}

/* ---------- creating a contract ---------- */

struct create_ctx {
    const audit_actor_t *who;
    const contract_new_t *c;
    int64_t id;
    inv_error_t *err;
};


static int create_body(db_t *db, arena_t *a, struct create_ctx *x)
{
    const contract_new_t *c = x->c;
    db_res_t *r;
    /* The customer's row serialises contract creation for one customer,
     * so the idempotency check below cannot race a double submit. */
    int rc = db_query(db, a, &r, "SELECT id FROM customers WHERE id = ? AND site_id = ? FOR UPDATE", "ii",
                      c->customer_id, c->site_id);
    if (rc) return rc;
    if (r->nrows != 1) return fail(x->err, "customer_id", "not_found"), DB_ERR_FK;
    const char *key_detail = arena_printf(a, "key:%s", c->idem_key);
    rc = db_query(db, a, &r, "SELECT e.contract_id FROM contract_events e JOIN contracts k ON k.id = e.contract_id"
                             " WHERE k.customer_id = ? AND e.event = 'created' AND e.detail = ? LOCK IN SHARE MODE",
                  "is", c->customer_id, key_detail);
    if (rc) return rc;
    if (r->nrows > 0) {
        x->id = db_cell_int(r, 0, 0);
        return fail(x->err, "idem_key", CONTRACT_ALREADY_DONE), DB_ERR_DUP;
    }
    char today[11];
    if ((rc = sitetime_today(db, a, c->site_id, today)) != DB_OK) return rc;
    const char *starts_on = c->starts_on && *c->starts_on ? c->starts_on : today;
    if (!validate_date(starts_on)) return fail(x->err, "starts_on", "date_invalid"), DB_ERR;

    /* The cell: the one asked for, or the first free one that fits and
     * has a plan, skipping cells another clerk has locked right now. */
    int64_t cell_id = c->cell_id;
    if (cell_id > 0) {
        rc = db_query(db, a, &r, "SELECT site_id, size_class, status, features, label FROM cells WHERE id = ? FOR UPDATE",
                      "i", cell_id);
        if (rc) return rc;
        if (r->nrows != 1 || db_cell_int(r, 0, 0) != c->site_id) return fail(x->err, "cell_id", "not_found"), DB_ERR_FK;
        if (strcmp(db_cell(r, 0, 2), "free") != 0) return fail(x->err, "cell_id", "cell_taken"), DB_ERR;
        int f[4], have[4];
        if (c->min_size && *c->min_size && size_rank(db_cell(r, 0, 1)) < size_rank(c->min_size))
            return fail(x->err, "cell_id", "cell_unfit"), DB_ERR;
        if (feature_flags(c->features, f) != 0) return fail(x->err, "features", "bad_features"), DB_ERR;
        feature_flags(db_cell(r, 0, 3), have);
        for (int i = 0; i < 4; i++) if (f[i] && !have[i]) return fail(x->err, "cell_id", "cell_unfit"), DB_ERR;
    } else {
        int rank = c->min_size && *c->min_size ? size_rank(c->min_size) : 1, f[4];
        if (!rank) return fail(x->err, "size_class", "bad_size"), DB_ERR;
        if (feature_flags(c->features, f) != 0) return fail(x->err, "features", "bad_features"), DB_ERR;
        rc = db_query(db, a, &r, "SELECT c.id" FITTING_CELLS
                      " AND EXISTS (SELECT 1 FROM plans p WHERE p.site_id = c.site_id AND p.size_class = c.size_class"
                      " AND p.period = ? AND p.active = 1)"
                      " ORDER BY c.size_class + 0, c.bank_id, c.number LIMIT 1 FOR UPDATE SKIP LOCKED",
                      "iIIIIIs", c->site_id, rank, f[0], f[1], f[2], f[3], c->period);
        if (rc) return rc;
        if (r->nrows != 1) return fail(x->err, "cell_id", "no_free_cell"), DB_ERR;
        cell_id = db_cell_int(r, 0, 0);
        rc = db_query(db, a, &r, "SELECT site_id, size_class, status, features, label FROM cells WHERE id = ? FOR UPDATE",
                      "i", cell_id);
        if (rc) return rc;
        if (r->nrows != 1 || strcmp(db_cell(r, 0, 2), "free") != 0) return fail(x->err, "cell_id", "cell_taken"), DB_ERR;
    }
    const char *size = arena_strdup(a, db_cell(r, 0, 1)), *label = arena_strdup(a, db_cell(r, 0, 4));

    rc = db_query(db, a, &r, "SELECT p.id, p.price, p.deposit, s.currency, s.bill_prorate = 'daily', s.bill_notice_days"
                             " FROM plans p JOIN sites s ON s.id = p.site_id"
                             " WHERE p.site_id = ? AND p.size_class = ? AND p.period = ? AND p.active = 1",
                  "iss", c->site_id, size, c->period);
    if (rc) return rc;
    if (r->nrows != 1) return fail(x->err, "period", "plan_missing"), DB_ERR;
    int64_t plan_id = db_cell_int(r, 0, 0), price = db_cell_int(r, 0, 1), deposit = db_cell_int(r, 0, 2);
    const char *currency = arena_strdup(a, db_cell(r, 0, 3));
    int64_t rent;
    char covered_to[11];
    if (contract_prorate(price, c->period, starts_on, &rent, covered_to) != 0)
        return fail(x->err, "price", "price_invalid"), DB_ERR;
    if (!db_cell_int(r, 0, 4)) rent = price;    /* the site charges a first period in full */
    /* Period 1 is the billing run's (lib/rentperiod); its due notice goes
     * bill_notice_days before it starts. */
    rp_kind_t kind;
    int64_t start_day, notice_days = db_cell_int(r, 0, 5);
    if (rp_kind(c->period, &kind) || rp_parse(starts_on, &start_day)) return fail(x->err, "starts_on", "date_invalid"), DB_ERR;
    char next_on[11], notice_on[11];
    rp_format(rp_start(kind, start_day, 1), next_on);
    rp_format(rp_start(kind, start_day, 1) - notice_days, notice_on);

    long n = db_exec(db, "UPDATE cells SET status = 'occupied', updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", cell_id);
    if (n < 0) return (int)n;
    n = db_exec(db,
        "INSERT INTO contracts (site_id, customer_id, cell_id, plan_id, period, price, deposit, currency, starts_on,"
        " created_by, next_period_on, notice_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?)",
        "iiiisiississ", c->site_id, c->customer_id, cell_id, plan_id, c->period, price, deposit, currency, starts_on,
        x->who && x->who->type && !strcmp(x->who->type, "staff") ? x->who->id : 0, next_on,
        notice_days > 0 ? notice_on : NULL);
    /* The unique open-cell key is the last guard against letting a cell twice. */
    if (n == DB_ERR_DUP) return fail(x->err, "cell_id", "cell_taken"), DB_ERR;
    if (n < 0) return (int)n;
    x->id = db_last_id(db);
    n = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, to_state, detail)"
                    " VALUES (?, ?, 'created', 'active', ?)", "iss", x->id, x->who ? or_empty(x->who->name) : "",
                key_detail);
    if (n < 0) return (int)n;

    ledger_posted_t out;
    ledger_err_t lerr = { 0 };
    if (deposit > 0) {
        rc = ledger_charge(db, x->who, c->site_id, c->customer_id, x->id, "deposit", deposit,
                           arena_printf(a, "Deposit, cell %s", label), NULL,
                           arena_printf(a, "%s:deposit", c->idem_key), &out, &lerr);
        if ((rc = ledger_rc(rc, x->err, &lerr)) != DB_OK) return rc;
    }
    if (rent > 0) {
        rc = ledger_charge(db, x->who, c->site_id, c->customer_id, x->id, "charge", rent,
                           arena_printf(a, "Rent %s..%s, cell %s", starts_on, covered_to, label), starts_on,
                           arena_printf(a, "rent:%lld:%s", (long long)x->id, starts_on), &out, &lerr);
        if ((rc = ledger_rc(rc, x->err, &lerr)) != DB_OK) return rc;
    }
    char *detail = json_text(json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:s}",
        "customer_id", (json_int_t)c->customer_id, "cell_id", (json_int_t)cell_id, "plan_id", (json_int_t)plan_id,
        "period", c->period, "price", (json_int_t)price, "deposit", (json_int_t)deposit, "first_rent", (json_int_t)rent,
        "currency", currency, "starts_on", starts_on));
    rc = audit_write(db, x->who, "contract.create", "contract", x->id, c->site_id, detail);
    free(detail);
    return rc;
}

static int create_tx(db_t *db, void *p)
{
    arena_t *a = arena_new(8192);
    if (!a) return DB_ERR;
    int rc = create_body(db, a, p);
    arena_free(a);
    return rc;
}

int contract_create(db_t *db, const audit_actor_t *who, const contract_new_t *c, int64_t *id, inv_error_t *err)
{
    if (!valid_period(c->period)) return fail(err, "period", "period_invalid"), DB_ERR;
    if (!c->idem_key || !*c->idem_key || strlen(c->idem_key) > 100) return fail(err, "idem_key", "required"), DB_ERR;
    if (c->min_size && *c->min_size && !inv_valid_size(c->min_size)) return fail(err, "size_class", "bad_size"), DB_ERR;
    if (c->features && *c->features && !inv_valid_features(c->features)) return fail(err, "features", "bad_features"), DB_ERR;
    if (c->starts_on && *c->starts_on && !validate_date(c->starts_on)) return fail(err, "starts_on", "date_invalid"), DB_ERR;
    struct create_ctx x = { .who = who, .c = c, .err = err };
    int rc = in_tx(db, create_tx, &x, err);
    if (rc == DB_OK || (rc == DB_ERR_DUP && err && err->code && !strcmp(err->code, CONTRACT_ALREADY_DONE))) *id = x.id;
    return rc;
}

/* ---------- suspend / resume ---------- */

struct suspend_ctx {
    const audit_actor_t *who;
    int64_t id;
    int suspended;
    const char *reason;
    inv_error_t *err;
};

static int suspend_tx(db_t *db, void *p)
{
    struct suspend_ctx *x = p;
    arena_t *a = arena_new(2048);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id, state FROM contracts WHERE id = ? FOR UPDATE", "i", x->id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    const char *from = site ? arena_strdup(a, db_cell(r, 0, 1)) : "";
    if (rc == DB_OK && !site) { fail(x->err, "id", "not_found"); rc = DB_ERR_FK; }
    else if (rc == DB_OK && strcmp(from, x->suspended ? "active" : "suspended") != 0)
        { fail(x->err, "state", x->suspended ? "not_active" : "not_suspended"); rc = DB_ERR; }
    if (rc) { arena_free(a); return rc; }
    const char *to = x->suspended ? "suspended" : "active";
    /* A clerk's decision replaces an arrears suspension: a payment no
     * longer resumes a contract the clerk suspended again. */
    long n = db_exec(db, "UPDATE contracts SET state = ?, state_reason = ?, arrears_suspended = 0,"
                         " updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
                     "ssi", to, x->suspended ? x->reason : "", x->id);
    if (n >= 0)
        n = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, from_state, to_state, detail)"
                        " VALUES (?, ?, ?, ?, ?, ?)", "isssss", x->id, x->who ? or_empty(x->who->name) : "",
                    x->suspended ? "suspended" : "resumed", from, to, or_empty(x->reason));
    arena_free(a);
    if (n < 0) return (int)n;
    char *detail = json_text(json_pack("{s:s}", "reason", or_empty(x->reason)));
    rc = audit_write(db, x->who, x->suspended ? "contract.suspend" : "contract.resume", "contract", x->id, site, detail);
    free(detail);
    return rc;
}

int contract_set_suspended(db_t *db, const audit_actor_t *who, int64_t id, int suspended,
                           const char *reason, inv_error_t *err)
{
    int blank = 1;
    for (const char *p = reason; p && *p; p++) if (*p != ' ' && *p != '\t') blank = 0;
    if (suspended && blank) return fail(err, "reason", "required"), DB_ERR;
    if (reason && utf8_chars(reason) > 255) return fail(err, "reason", "too_long"), DB_ERR;
    struct suspend_ctx x = { .who = who, .id = id, .suspended = suspended != 0, .reason = reason, .err = err };
    return in_tx(db, suspend_tx, &x, err);
}

/* ---------- closing ---------- */

/* The rent already charged for the days after ends_on: given back at
 * closing when the site prorates (bill_prorate daily), nothing when it
 * does not.  Only periods the ledger really charged count (a waived
 * period was not), each at most what it was charged. */
static int unused_rent(db_t *db, arena_t *a, int64_t id, const char *ends_on, int64_t *credit)
{
    *credit = 0;
    db_res_t *r, *charges;
    int rc = db_query(db, a, &r, "SELECT k.period, k.price, DATE_FORMAT(k.starts_on, '%Y-%m-%d'), k.next_period_no,"
                                 " s.bill_prorate = 'daily' FROM contracts k JOIN sites s ON s.id = k.site_id WHERE k.id = ?",
                      "i", id);
    if (rc) return rc;
    if (r->nrows != 1) return DB_ERR_FK;
    rp_kind_t kind;
    int64_t start, end, price = db_cell_int(r, 0, 1), next = db_cell_int(r, 0, 3);
    if (!db_cell_int(r, 0, 4)) return DB_OK;
    if (rp_kind(db_cell(r, 0, 0), &kind) || rp_parse(db_cell(r, 0, 2), &start) || rp_parse(ends_on, &end)) return DB_ERR;
    const char *prefix = arena_printf(a, "rent:%lld:", (long long)id);
    rc = db_query(db, a, &charges, "SELECT SUBSTRING(j.idem_key, ?), j.amount FROM ledger_journals j"
                                   " WHERE j.contract_id = ? AND j.kind = 'charge' AND j.idem_key LIKE CONCAT(?, '%')"
                                   " AND NOT EXISTS (SELECT 1 FROM ledger_journals v WHERE v.reverses_id = j.id)",
                  "iis", (int64_t)strlen(prefix) + 1, id, prefix);
    if (rc) return rc;
    for (int64_t k = next - 1; k >= 0; k--) {
        int64_t from = rp_start(kind, start, k), to = rp_end(kind, start, k);
        if (to <= end) break;
        char key[11];
        rp_format(from, key);
        int64_t charged = -1;
        for (int i = 0; i < charges->nrows && charged < 0; i++)
            if (!strcmp(db_cell(charges, i, 0), key)) charged = db_cell_int(charges, i, 1);
        if (charged <= 0) continue;
        int y, m, d;
        rp_civil(to, &y, &m, &d);   /* a monthly period ends on its month's last day */
        int64_t period_days = kind == RP_MONTHLY ? d : to - from + 1;
        int64_t unused = to - (from > end ? from : end + 1) + 1;
        int64_t back = rp_prorate(price, unused, period_days);
        if (back < 0) return DB_ERR;
        *credit += back < charged ? back : charged;
    }
    return DB_OK;
}

/* The settlement from what the ledger says now: the unused rent given
 * back first, then the deposit against what is still owed. */
static int quote(db_t *db, arena_t *a, int64_t customer_id, int64_t id, const char *ends_on, contract_settlement_t *s)
{
    int64_t balance = 0, held = 0;
    int rc = ledger_balance(db, a, customer_id, &balance);
    if (rc == DB_OK) rc = ledger_deposit_held(db, a, id, &held);
    if (rc == DB_OK) rc = unused_rent(db, a, id, ends_on, &s->rent_credit);
    if (rc != DB_OK) return rc < 0 ? rc : DB_ERR;
    if (held < 0) held = 0;
    balance -= s->rent_credit;
    int64_t due = balance > 0 ? balance : 0;
    s->deposit_offset = held < due ? held : due;
    s->deposit_refund = held - s->deposit_offset;
    s->balance_after = balance - s->deposit_offset;
    return DB_OK;
}

int contract_quote_close(db_t *db, arena_t *a, int64_t id, const char *ends_on, contract_settlement_t *s)
{
    memset(s, 0, sizeof *s);
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT customer_id, site_id FROM contracts WHERE id = ?", "i", id);
    if (rc) return rc;
    if (r->nrows != 1) return DB_ERR_FK;
    int64_t customer = db_cell_int(r, 0, 0);
    char today[11];
    if (!ends_on || !*ends_on) {
        if ((rc = sitetime_today(db, a, db_cell_int(r, 0, 1), today)) != DB_OK) return rc;
        ends_on = today;
    }
    if (!validate_date(ends_on)) return DB_ERR;
    return quote(db, a, customer, id, ends_on, s);
}

struct close_ctx {
    const audit_actor_t *who;
    int64_t id;
    const char *ends_on, *method, *idem_key;
    contract_settlement_t *s;
    inv_error_t *err;
};

static int post(db_t *db, arena_t *a, struct close_ctx *x, int64_t site, int64_t customer, const char *kind,
                const char *method, const char *acc_debit, const char *acc_credit, int64_t amount, const char *suffix,
                const char *memo)
{
    ledger_line_t lines[2] = { { acc_debit, amount }, { acc_credit, -amount } };
    ledger_journal_t j = {
        .site_id = site, .idem_key = arena_printf(a, "%s:%s", x->idem_key, suffix), .kind = kind,
        .customer_id = customer, .contract_id = x->id, .amount = amount, .method = method, .memo = memo,
        .lines = lines, .nlines = 2,
    };
    ledger_posted_t out;
    ledger_err_t lerr = { 0 };
    return ledger_rc(ledger_post(db, x->who, &j, &out, &lerr), x->err, &lerr);
}

/* A customer whose last contract closes has no more visits to verify:
 * their fingerprints go with it.  The locking read sees contracts other
 * transactions are closing at the same moment (two closing together
 * deadlock here and the retry sees the other closed). */
static int forget_prints_if_last(db_t *db, arena_t *a, const audit_actor_t *who, int64_t customer)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT COUNT(*) FROM contracts WHERE customer_id = ? AND state <> 'closed' FOR UPDATE",
                      "i", customer);
    if (rc) return rc;
    return db_cell_int(r, 0, 0) > 0 ? DB_OK : fingerprint_delete_all(db, who, customer, "contract_closed");
}

static int close_body(db_t *db, arena_t *a, struct close_ctx *x)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id, customer_id, cell_id, state, DATE_FORMAT(starts_on, '%Y-%m-%d')"
                                 " FROM contracts WHERE id = ? FOR UPDATE", "i", x->id);
    if (rc) return rc;
    if (r->nrows != 1) return fail(x->err, "id", "not_found"), DB_ERR_FK;
    int64_t site = db_cell_int(r, 0, 0), customer = db_cell_int(r, 0, 1), cell = db_cell_int(r, 0, 2);
    const char *state = arena_strdup(a, db_cell(r, 0, 3)), *starts_on = arena_strdup(a, db_cell(r, 0, 4));
    if (!strcmp(state, "closed")) return fail(x->err, "state", "already_closed"), DB_ERR;
    char today[11];
    if ((rc = sitetime_today(db, a, site, today)) != DB_OK) return rc;
    const char *ends_on = x->ends_on && *x->ends_on ? x->ends_on : today;
    if (!validate_date(ends_on) || strcmp(ends_on, starts_on) < 0) return fail(x->err, "ends_on", "date_invalid"), DB_ERR;
    /* Lock the cell before the ledger accounts: the order contract_create uses. */
    rc = db_query(db, a, &r, "SELECT status FROM cells WHERE id = ? FOR UPDATE", "i", cell);
    if (rc) return rc;
    if ((rc = quote(db, a, customer, x->id, ends_on, x->s)) != DB_OK) return rc;
    const contract_settlement_t *s = x->s;
    if (s->deposit_refund > 0 && (!x->method || (strcmp(x->method, "cash") != 0 && strcmp(x->method, "card") != 0 &&
                                                  strcmp(x->method, "bank_transfer") != 0)))
        return fail(x->err, "refund_method", "method_invalid"), DB_ERR;
    const char *memo = arena_printf(a, "Contract %lld closed", (long long)x->id);
    if (s->rent_credit > 0 &&
        (rc = post(db, a, x, site, customer, "credit", NULL, "rent_revenue", "customer", s->rent_credit, "rent_credit",
                   arena_printf(a, "Contract %lld closed on %s: unused rent given back", (long long)x->id, ends_on))) != DB_OK)
        return rc;
    if (s->deposit_offset > 0 &&
        (rc = post(db, a, x, site, customer, "deposit_offset", NULL, "deposits_held", "customer", s->deposit_offset,
                   "offset", memo)) != DB_OK)
        return rc;
    if (s->deposit_refund > 0) {
        if ((rc = post(db, a, x, site, customer, "deposit_refund", NULL, "deposits_held", "customer", s->deposit_refund,
                       "deposit_refund", memo)) != DB_OK)
            return rc;
        if ((rc = post(db, a, x, site, customer, "refund", x->method, "customer", x->method, s->deposit_refund,
                       "refund", memo)) != DB_OK)
            return rc;
    }
    /* Out of the billing run's reach: no next period, no notice. */
    long n = db_exec(db, "UPDATE contracts SET state = 'closed', ends_on = ?, closed_at = UTC_TIMESTAMP(6),"
                         " next_period_on = NULL, notice_on = NULL, parked_at = NULL, arrears_suspended = 0,"
                         " updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "si", ends_on, x->id);
    if (n >= 0)
        n = db_exec(db, "UPDATE cells SET status = 'free', updated_at = UTC_TIMESTAMP(6) WHERE id = ? AND status = 'occupied'",
                    "i", cell);
    if (n >= 0)
        n = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, from_state, to_state, detail)"
                        " VALUES (?, ?, 'closed', ?, 'closed', ?)", "isss", x->id, x->who ? or_empty(x->who->name) : "",
                    state, arena_printf(a, "ends %s; deposit offset %lld, refund %lld", ends_on,
                                        (long long)s->deposit_offset, (long long)s->deposit_refund));
    if (n < 0) return (int)n;
    if ((rc = forget_prints_if_last(db, a, x->who, customer)) != DB_OK) return rc;
    char *detail = json_text(json_pack("{s:s, s:I, s:I, s:I, s:s}", "ends_on", ends_on,
                                       "rent_credit", (json_int_t)s->rent_credit,
                                       "deposit_offset", (json_int_t)s->deposit_offset,
                                       "deposit_refund", (json_int_t)s->deposit_refund,
                                       "refund_method", s->deposit_refund > 0 ? x->method : ""));
    rc = audit_write(db, x->who, "contract.close", "contract", x->id, site, detail);
    free(detail);
    return rc;
}

static int close_tx(db_t *db, void *p)
{
    arena_t *a = arena_new(8192);
    if (!a) return DB_ERR;
    int rc = close_body(db, a, p);
    arena_free(a);
    return rc;
}

int contract_close(db_t *db, const audit_actor_t *who, int64_t id, const char *ends_on,
                   const char *refund_method, const char *idem_key, contract_settlement_t *s,
                   inv_error_t *err)
{
    memset(s, 0, sizeof *s);
    if (!idem_key || !*idem_key || strlen(idem_key) > 100) return fail(err, "idem_key", "required"), DB_ERR;
    if (ends_on && *ends_on && !validate_date(ends_on)) return fail(err, "ends_on", "date_invalid"), DB_ERR;
    struct close_ctx x = { .who = who, .id = id, .ends_on = ends_on, .method = refund_method, .idem_key = idem_key,
                           .s = s, .err = err };
    return in_tx(db, close_tx, &x, err);
}

int64_t contract_site(db_t *db, arena_t *a, int64_t contract_id)
{
    db_res_t *r;
    if (db_query(db, a, &r, "SELECT site_id FROM contracts WHERE id = ?", "i", contract_id) != DB_OK || r->nrows != 1)
        return 0;
    return db_cell_int(r, 0, 0);
}
