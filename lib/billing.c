/* The billing run.  Work is cut in batches of contracts, each one
 * transaction: the due contracts are read FOR UPDATE through
 * ix_contracts_billing (site, next_period_on), their periods charged
 * through the ledger in one batch (with one audit row naming every
 * journal) and their next period moved, all committed
 * together.  A charged contract's next period lies after the site's
 * today, so it leaves the index range and the next batch reads the next
 * ones: no cursor to keep, nothing to resume after a kill but to run
 * again, and a rerun with nothing due reads no contract row. */
#include "billing.h"
#include "dues.h"
#include "ledger.h"
#include "money.h"
#include "rentperiod.h"
#include "log.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1,000 contracts a transaction (one site's revenue account and invoice
 * counter stay locked for about 0.1 s): since the ledger procedure reads
 * its batch once (0010) the cost per charge falls with the batch
 * (measured, one worker: 250 -> 7,300 charges/s, 500 -> 7,700/s,
 * 1,000 -> 8,500/s). */
#define BATCH_CONTRACTS 1000
#define NOTICE_BATCH 500
/* A transaction that loses a deadlock is run again this many times. */
#define TX_ATTEMPTS 5

static const audit_actor_t billing_actor = { .type = "system", .name = "billing" };

typedef struct site {
    int64_t id;
    const char *name;
    char currency[4];
    char today_s[11];
    int64_t today;
    int max_periods, notice_days;
} site_t;

static void add_total(billing_summary_t *s, const char *currency, int64_t amount)
{
    for (int i = 0; i < s->ntotals; i++)
        if (!strcmp(s->totals[i].currency, currency)) { s->totals[i].amount += amount; return; }
    if (s->ntotals == BILLING_CURRENCIES) return;
    snprintf(s->totals[s->ntotals].currency, sizeof s->totals[0].currency, "%s", currency);
    s->totals[s->ntotals++].amount = amount;
}

/* The day the due notice for a period starting on `start` goes out, or -1
 * for none. */
static int64_t notice_day(const site_t *s, int64_t start)
{
    return s->notice_days > 0 ? start - s->notice_days : -1;
}

/* One contract's standing: what is due up to the site's today. */
typedef struct due {
    int64_t id, customer, price, start;
    rp_kind_t kind;
    int64_t from, upto;     /* periods from .. upto - 1 are due */
} due_t;

static int read_due(const db_res_t *r, int row, due_t *d)
{
    d->id = db_cell_int(r, row, 0);
    d->customer = db_cell_int(r, row, 1);
    d->price = db_cell_int(r, row, 3);
    d->from = db_cell_int(r, row, 5);
    if (rp_kind(db_cell(r, row, 2), &d->kind) != 0 || rp_parse(db_cell(r, row, 4), &d->start) != 0 || d->from < 1 ||
        d->price < 0)
        return -1;
    return 0;
}

/* The journal charging period k of a contract. */
static int charge_journal(arena_t *a, const site_t *s, const due_t *d, int64_t k, ledger_journal_t *j,
                          ledger_line_t lines[2])
{
    char from[11], to[11];
    rp_format(rp_start(d->kind, d->start, k), from);
    rp_format(rp_end(d->kind, d->start, k), to);
    lines[0] = (ledger_line_t){ "customer", d->price };
    lines[1] = (ledger_line_t){ "rent_revenue", -d->price };
    *j = (ledger_journal_t){
        .site_id = s->id, .kind = "charge", .customer_id = d->customer, .contract_id = d->id, .amount = d->price,
        .idem_key = arena_printf(a, "rent:%lld:%s", (long long)d->id, from),
        .memo = arena_printf(a, "Rent %s to %s", from, to),
        .value_date = arena_strdup(a, from), .doc_series = "invoice", .lines = lines, .nlines = 2,
    };
    return j->idem_key && j->memo && j->value_date ? 0 : -1;
}

/* Posts the journals in chunks the ledger takes. */
static int post_all(db_t *db, ledger_journal_t *js, int n, billing_summary_t *sum, const site_t *s)
{
    ledger_posted_t *outs = malloc(LEDGER_BATCH_MAX * sizeof *outs);
    int *statuses = malloc(LEDGER_BATCH_MAX * sizeof *statuses);
    int rc = outs && statuses ? DB_OK : DB_ERR;
    for (int off = 0; rc == DB_OK && off < n; off += LEDGER_BATCH_MAX) {
        int m = n - off < LEDGER_BATCH_MAX ? n - off : LEDGER_BATCH_MAX;
        ledger_err_t lerr = { 0 };
        rc = ledger_post_batch_audited(db, &billing_actor, LEDGER_AUDIT_BATCH, js + off, m, outs, statuses, &lerr);
        if (rc > 0) {
            log_error("site %lld: charge refused (%s: %s)", (long long)s->id, lerr.field ? lerr.field : "?",
                      lerr.code ? lerr.code : "?");
            rc = DB_ERR;
        }
        if (rc != LEDGER_OK) break;   /* a refusal, or a db_status such as a deadlock to retry */
        for (int i = 0; i < m; i++)
            if (statuses[i] == LEDGER_OK) sum->charged++, add_total(sum, s->currency, js[off + i].amount);
    }
    free(outs);
    free(statuses);
    return rc;
}

struct batch_ctx {
    const site_t *s;
    billing_summary_t got;    /* this batch only: added to the run's after commit */
    int rows;                 /* contracts read */
};

/* The JSON the set-based UPDATEs join on: [[id, next_no, "next_on", "notice_on"|null], ...]. */
static int advance(db_t *db, json_t *moves)
{
    if (!json_array_size(moves)) return DB_OK;
    char *text = json_dumps(moves, JSON_COMPACT);
    if (!text) return DB_ERR;
    long n = db_exec(db,
        "UPDATE contracts c JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$[0]',"
        " no INT UNSIGNED PATH '$[1]', next_on DATE PATH '$[2]', notice_on DATE PATH '$[3]')) t ON c.id = t.id"
        " SET c.next_period_no = t.no, c.next_period_on = t.next_on, c.notice_on = t.notice_on,"
        " c.updated_at = UTC_TIMESTAMP(6)", "s", text);
    free(text);
    return n < 0 ? (int)n : DB_OK;
}

/* The safety bound: the contract waits for an operator (billing_release). */
static int park(db_t *db, arena_t *a, const site_t *s, const due_t *d)
{
    int64_t n = d->upto - d->from;
    long rc = db_exec(db, "UPDATE contracts SET parked_at = UTC_TIMESTAMP(6), parked_periods = ? WHERE id = ?", "ii",
                      n, d->id);
    if (rc >= 0)
        rc = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, detail) VALUES (?, 'billing',"
                         " 'parked', ?)", "is", d->id,
                     arena_printf(a, "%lld periods due at once (bound %d): waiting for an operator", (long long)n,
                                  s->max_periods));
    if (rc < 0) return (int)rc;
    return audit_write(db, &billing_actor, "billing.park", "contract", d->id, s->id,
                       arena_printf(a, "{\"periods\":%lld,\"bound\":%d}", (long long)n, s->max_periods));
}

static int batch_tx(db_t *db, void *p)
{
    struct batch_ctx *x = p;
    const site_t *s = x->s;
    x->got = (billing_summary_t){ 0 };
    x->rows = 0;
    arena_t *a = arena_new(1 << 16);
    json_t *moves = json_array();
    ledger_journal_t *js = NULL;
    ledger_line_t *lines = NULL;
    int rc = a && moves ? DB_OK : DB_ERR;
    db_res_t *r = NULL;
    if (rc == DB_OK)
        rc = db_query(db, a, &r,
            "SELECT id, customer_id, period, price, DATE_FORMAT(starts_on, '%Y-%m-%d'), next_period_no"
            " FROM contracts WHERE site_id = ? AND next_period_on <= ? AND parked_at IS NULL"
            " ORDER BY next_period_on, id LIMIT ? FOR UPDATE", "isI", s->id, s->today_s, BATCH_CONTRACTS);
    if (rc == DB_OK) {
        x->rows = r->nrows;
        size_t cap = (size_t)r->nrows * (size_t)s->max_periods + 1;
        js = malloc(cap * sizeof *js);
        lines = malloc(cap * 2 * sizeof *lines);
        if (!js || !lines) rc = DB_ERR;
    }
    int nj = 0;
    for (int i = 0; rc == DB_OK && i < x->rows; i++) {
        due_t d;
        if (read_due(r, i, &d) != 0) {
            log_error("contract %lld: unreadable billing state; skipped", (long long)db_cell_int(r, i, 0));
            continue;
        }
        x->got.seen++;
        d.upto = rp_next_after(d.kind, d.start, d.from, s->today);
        if (d.upto - d.from > s->max_periods) {
            rc = park(db, a, s, &d);
            continue;
        }
        /* A free contract (price 0) moves on without journals. */
        for (int64_t k = d.from; rc == DB_OK && d.price > 0 && k < d.upto; k++, nj++)
            if (charge_journal(a, s, &d, k, &js[nj], &lines[2 * nj]) != 0) rc = DB_ERR;
        if (d.upto > d.from) x->got.contracts_charged++;
        char next_on[11], notice_on[11] = "";
        int64_t next = rp_start(d.kind, d.start, d.upto), nd = notice_day(s, next);
        rp_format(next, next_on);
        if (nd >= 0) rp_format(nd, notice_on);
        if (json_array_append_new(moves, json_pack("[I, I, s, s?]", (json_int_t)d.id, (json_int_t)d.upto, next_on,
                                                   nd >= 0 ? notice_on : NULL)) != 0)
            rc = DB_ERR;
    }
    if (rc == DB_OK && nj > 0) rc = post_all(db, js, nj, &x->got, s);
    if (rc == DB_OK) rc = advance(db, moves);
    free(js);
    free(lines);
    json_decref(moves);
    arena_free(a);
    return rc;
}

/* Due notices whose day has come: one per contract and period. */
struct notice_ctx {
    const site_t *s;
    notice_t *notices;
    int64_t put;
    int rows;
};

static int notice_tx(db_t *db, void *p)
{
    struct notice_ctx *x = p;
    const site_t *s = x->s;
    x->put = 0;
    x->rows = 0;
    arena_t *a = arena_new(1 << 14);
    json_t *done = json_array();
    db_res_t *r;
    int rc = a && done ? DB_OK : DB_ERR;
    if (rc == DB_OK)
        rc = db_query(db, a, &r,
            "SELECT id, customer_id, period, price, DATE_FORMAT(starts_on, '%Y-%m-%d'), next_period_no,"
            " DATE_FORMAT(next_period_on, '%Y-%m-%d') FROM contracts WHERE site_id = ? AND notice_on <= ?"
            " AND parked_at IS NULL AND state <> 'closed' LIMIT ? FOR UPDATE", "isI", s->id, s->today_s, NOTICE_BATCH);
    if (rc == DB_OK) x->rows = r->nrows;
    for (int i = 0; rc == DB_OK && i < x->rows; i++) {
        due_t d;
        if (json_array_append_new(done, json_integer(db_cell_int(r, i, 0))) != 0) { rc = DB_ERR; break; }
        if (read_due(r, i, &d) != 0) continue;
        char amount[48], to[11];
        rp_format(rp_end(d.kind, d.start, d.from), to);
        money_display(d.price, s->currency, amount, sizeof amount);
        const char *on = db_cell(r, i, 6);
        notice_var_t vars[] = { { "amount", amount }, { "currency", s->currency }, { "date", on },
                                { "period_end", to }, { "contract_id", arena_printf(a, "%lld", (long long)d.id) } };
        int put = notice_customer(x->notices, db, d.customer, "due_soon",
                                  arena_printf(a, "due_soon:%lld:%s", (long long)d.id, on), vars,
                                  (int)(sizeof vars / sizeof vars[0]));
        if (put < 0) rc = put;
        else x->put += put;
    }
    if (rc == DB_OK && json_array_size(done)) {
        char *text = json_dumps(done, JSON_COMPACT);
        long n = text ? db_exec(db, "UPDATE contracts c JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED"
                                    " PATH '$')) t ON c.id = t.id SET c.notice_on = NULL", "s", text)
                      : DB_ERR;
        free(text);
        if (n < 0) rc = (int)n;
    }
    json_decref(done);
    arena_free(a);
    return rc;
}

void billing_summary_add(billing_summary_t *to, const billing_summary_t *from)
{
    to->sites += from->sites;
    to->seen += from->seen;
    to->charged += from->charged;
    to->contracts_charged += from->contracts_charged;
    to->parked += from->parked;
    to->notices += from->notices;
    to->overdue += from->overdue;
    to->suspended += from->suspended;
    to->resumed += from->resumed;
    for (int i = 0; i < from->ntotals; i++) add_total(to, from->totals[i].currency, from->totals[i].amount);
}

static int run_site(db_t *db, notice_t *notices, const site_t *s, billing_progress_fn progress, void *ctx,
                    billing_summary_t *sum, char *err, size_t errlen)
{
    for (;;) {
        struct batch_ctx x = { .s = s };
        int rc = db_run_tx(db, TX_ATTEMPTS, batch_tx, &x);
        if (rc != DB_OK) {
            snprintf(err, errlen, "site %lld: a batch of charges failed: %s", (long long)s->id, db_error(db));
            return rc;
        }
        billing_summary_add(sum, &x.got);
        if (progress) progress(ctx, sum, s->id, s->name);
        if (x.rows < BATCH_CONTRACTS) break;
    }
    /* Parked contracts stay out of the batches; count them in the summary
     * so an operator sees them on every run until released. */
    arena_t *a = arena_new(1024);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT COUNT(*) FROM contracts WHERE site_id = ? AND next_period_on <= ?"
                                 " AND parked_at IS NOT NULL", "is", s->id, s->today_s);
    int64_t parked = rc == DB_OK ? db_cell_int(r, 0, 0) : 0;
    if (rc == DB_OK && parked > 0 && notices) {
        /* The operator hears of it once a day while contracts wait. */
        char count[24];
        snprintf(count, sizeof count, "%lld", (long long)parked);
        notice_var_t vars[] = { { "count", count }, { "site", s->name }, { "date", s->today_s } };
        int put = notice_staff(notices, db, s->id, "parked",
                               arena_printf(a, "parked:%lld:%s", (long long)s->id, s->today_s), vars, 3);
        if (put < 0) rc = put;
    }
    arena_free(a);
    if (rc != DB_OK) { snprintf(err, errlen, "site %lld: %s", (long long)s->id, db_error(db)); return rc; }
    sum->parked += parked;

    if (notices) {
        for (;;) {
            struct notice_ctx x = { .s = s, .notices = notices };
            rc = db_run_tx(db, TX_ATTEMPTS, notice_tx, &x);
            if (rc != DB_OK) {
                snprintf(err, errlen, "site %lld: due notices failed: %s", (long long)s->id, db_error(db));
                return rc;
            }
            sum->notices += x.put;
            if (x.rows < NOTICE_BATCH) break;
        }
    }
    dues_changes_t ch = { 0 };
    rc = dues_refresh_site(db, notices, &billing_actor, s->id, s->today_s, &ch);
    if (rc != DB_OK) {
        snprintf(err, errlen, "site %lld: due tracking failed: %s", (long long)s->id, db_error(db));
        return rc;
    }
    sum->overdue += ch.overdue;
    sum->suspended += ch.suspended;
    sum->resumed += ch.resumed;
    return DB_OK;
}

static void totals_text(const billing_summary_t *s, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < s->ntotals && used < len; i++) {
        int n = snprintf(out + used, len - used, "%s%s %lld", i ? "; " : "", s->totals[i].currency,
                         (long long)s->totals[i].amount);
        if (n < 0) break;
        used += (size_t)n;
    }
}

static void finish_run(db_t *db, int64_t run_id, const billing_summary_t *s, int ok, const char *detail)
{
    char totals[1000];
    totals_text(s, totals, sizeof totals);
    if (db_exec(db, "UPDATE billing_runs SET finished_at = UTC_TIMESTAMP(6), seen = ?, charged = ?, parked = ?,"
                    " notices = ?, totals = ?, outcome = ?, detail = LEFT(?, 1000) WHERE id = ?", "iiiisssi",
                s->seen, s->charged, s->parked, s->notices, totals, ok ? "done" : "failed", detail ? detail : "",
                run_id) < 0)
        log_warn("billing run %lld: could not record its end: %s", (long long)run_id, db_error(db));
}

/* A moment the run may be asked for: "YYYY-MM-DD" (midnight) or
 * "YYYY-MM-DD HH:MM:SS", a real date and time.  The database would take
 * anything and make NULL of it, which would mean "now". */
static int valid_moment(const char *t)
{
    char date[11];
    int64_t day;
    size_t n = strlen(t);
    if (n != 10 && n != 19) return 0;
    snprintf(date, sizeof date, "%.10s", t);
    if (rp_parse(date, &day) != 0) return 0;
    if (n == 10) return 1;
    for (int i = 11; i < 19; i++)
        if ((i == 13 || i == 16) ? t[i] != ':' : (t[i] < '0' || t[i] > '9')) return 0;
    return t[10] == ' ' && atoi(t + 11) < 24 && atoi(t + 14) < 60 && atoi(t + 17) < 60;
}

/* Sites with the vault module (or the one asked for), each with its local
 * date of the moment as_of (NULL = now); a zone the server does not know
 * falls back to UTC with a warning, as lib/sitetime does.  Columns: id,
 * name, currency, local date, max periods, notice days, zone unknown. */
static int read_sites(db_t *db, arena_t *a, const char *as_of, int64_t site_id, db_res_t **r)
{
    return db_query(db, a, r,
        "SELECT s.id, s.name, s.currency, DATE_FORMAT(COALESCE(DATE(CONVERT_TZ(t.m, '+00:00', s.time_zone)),"
        " DATE(t.m)), '%Y-%m-%d'), s.bill_max_periods, s.bill_notice_days, CONVERT_TZ(t.m, '+00:00', s.time_zone)"
        " IS NULL FROM sites s JOIN (SELECT COALESCE(CAST(? AS DATETIME), UTC_TIMESTAMP()) AS m) t"
        " WHERE IF(? = 0, s.mod_vault = 1, s.id = ?) ORDER BY s.id", "sii", as_of, site_id, site_id);
}

static int site_of(const db_res_t *r, int i, site_t *s)
{
    *s = (site_t){ .id = db_cell_int(r, i, 0), .name = db_cell(r, i, 1), .max_periods = (int)db_cell_int(r, i, 4),
                   .notice_days = (int)db_cell_int(r, i, 5) };
    snprintf(s->currency, sizeof s->currency, "%s", db_cell(r, i, 2) ? db_cell(r, i, 2) : "");
    snprintf(s->today_s, sizeof s->today_s, "%s", db_cell(r, i, 3) ? db_cell(r, i, 3) : "");
    if (db_cell_int(r, i, 6)) log_warn("site %lld: time zone unknown to the database; billing in UTC", (long long)s->id);
    if (s->max_periods < 1) s->max_periods = 1;
    return rp_parse(s->today_s, &s->today);
}

int billing_run(db_t *db, notice_t *notices, const billing_opts_t *o, billing_summary_t *out, char *err,
                size_t errlen)
{
    const char *as_of = o->as_of;
    *out = (billing_summary_t){ 0 };
    err[0] = 0;
    if (as_of && !valid_moment(as_of)) {
        snprintf(err, errlen, "--as-of: not a time (YYYY-MM-DD HH:MM:SS, UTC): %s", as_of);
        return DB_ERR;
    }
    /* The batches read ranges of (site, next period) FOR UPDATE while
     * moving rows within that index: under REPEATABLE READ the next-key
     * locks at a range's end reach into the next site's rows and two runs
     * (or a run and a clerk making a contract) deadlock.  READ COMMITTED
     * locks the rows read and no gaps; each batch still locks its rows and
     * a contract's next period decides what is due. */
    int rc = db_read_committed(db);
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot set the isolation level: %s", db_error(db));
        return rc;
    }
    arena_t *a = arena_new(1 << 14);
    if (!a) return DB_ERR;
    db_res_t *sites;
    rc = read_sites(db, a, as_of, o->site_id, &sites);
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot read the sites: %s", db_error(db));
        arena_free(a);
        return rc;
    }
    if (o->site_id && sites->nrows != 1) {
        snprintf(err, errlen, "no site %lld", (long long)o->site_id);
        arena_free(a);
        return DB_ERR_FK;
    }
    int64_t run_id = 0;
    if (db_exec(db, "INSERT INTO billing_runs (as_of) VALUES (COALESCE(CAST(? AS DATETIME), UTC_TIMESTAMP()))", "s",
                as_of) >= 0)
        run_id = db_last_id(db);
    int step = o->nshards > 1 ? o->nshards : 1;
    for (int i = o->nshards > 1 ? o->shard : 0; rc == DB_OK && i < sites->nrows; i += step) {
        site_t s;
        if (site_of(sites, i, &s) != 0) {
            snprintf(err, errlen, "site %lld: no local date", (long long)s.id);
            rc = DB_ERR;
            break;
        }
        out->sites++;
        rc = run_site(db, notices, &s, o->progress, o->ctx, out, err, errlen);
    }
    if (run_id) finish_run(db, run_id, out, rc == DB_OK, err);
    arena_free(a);
    return rc;
}

/* ---------- an operator's decision on a parked contract ---------- */

struct release_ctx {
    const audit_actor_t *who;
    int64_t id;
    int charge;
    const char *reason, *as_of;
    inv_error_t *err;
};

static int refuse(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return DB_ERR;
}

static int release_body(db_t *db, arena_t *a, struct release_ctx *x)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT id, customer_id, period, price, DATE_FORMAT(starts_on, '%Y-%m-%d'),"
                                 " next_period_no, site_id, parked_at IS NOT NULL FROM contracts WHERE id = ? FOR UPDATE",
                      "i", x->id);
    if (rc) return rc;
    if (r->nrows != 1) return refuse(x->err, "id", "not_found");
    if (!db_cell_int(r, 0, 7)) return refuse(x->err, "id", "not_parked");
    due_t d;
    if (read_due(r, 0, &d) != 0) return DB_ERR;
    db_res_t *sr;
    site_t s;
    if ((rc = read_sites(db, a, x->as_of, db_cell_int(r, 0, 6), &sr))) return rc;
    if (sr->nrows != 1 || site_of(sr, 0, &s) != 0) return refuse(x->err, "as_of", "date_invalid");
    d.upto = rp_next_after(d.kind, d.start, d.from, s.today);
    int64_t n = d.upto - d.from;
    if (x->charge && d.price > 0 && n > 0) {
        ledger_journal_t *js = arena_alloc(a, (size_t)n * sizeof *js);
        ledger_line_t *lines = arena_alloc(a, (size_t)n * 2 * sizeof *lines);
        if (!js || !lines) return DB_ERR;
        for (int64_t k = 0; k < n; k++)
            if (charge_journal(a, &s, &d, d.from + k, &js[k], &lines[2 * k]) != 0) return DB_ERR;
        billing_summary_t got = { 0 };
        if ((rc = post_all(db, js, (int)n, &got, &s))) return rc;
    }
    char next_on[11], notice_on[11] = "";
    int64_t next = rp_start(d.kind, d.start, d.upto), nd = notice_day(&s, next);
    rp_format(next, next_on);
    if (nd >= 0) rp_format(nd, notice_on);
    long m = db_exec(db, "UPDATE contracts SET next_period_no = ?, next_period_on = ?, notice_on = ?, parked_at = NULL,"
                         " parked_periods = 0, updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "issi", d.upto, next_on,
                     nd >= 0 ? notice_on : NULL, d.id);
    const char *what = x->charge ? "charged" : "waived";
    if (m >= 0)
        m = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, detail) VALUES (?, ?, ?, ?)",
                    "isss", d.id, x->who && x->who->name ? x->who->name : "",
                    x->charge ? "parked_charged" : "parked_waived",
                    arena_printf(a, "%lld periods %s: %s", (long long)n, what, x->reason));
    if (m < 0) return (int)m;
    json_t *detail = json_pack("{s:s, s:I, s:s, s:s}", "decision", what, "periods", (json_int_t)n, "next_period", next_on,
                               "reason", x->reason);
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    if (!text) return DB_ERR;
    rc = audit_write(db, x->who, "billing.release", "contract", d.id, s.id, text);
    free(text);
    return rc;
}

static int release_tx(db_t *db, void *p)
{
    arena_t *a = arena_new(1 << 14);
    if (!a) return DB_ERR;
    int rc = release_body(db, a, p);
    arena_free(a);
    return rc;
}

int billing_release(db_t *db, const audit_actor_t *who, int64_t contract_id, int charge, const char *reason,
                    const char *as_of, inv_error_t *err)
{
    if (err) *err = (inv_error_t){ 0 };
    const char *p = reason;
    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (!p || !*p) return refuse(err, "reason", "required");
    if (strlen(reason) > 255) return refuse(err, "reason", "too_long");
    if (as_of && !valid_moment(as_of)) return refuse(err, "as_of", "date_invalid");
    struct release_ctx x = { .who = who, .id = contract_id, .charge = charge != 0, .reason = reason, .as_of = as_of,
                             .err = err };
    return db_run_tx(db, TX_ATTEMPTS, release_tx, &x);
}
