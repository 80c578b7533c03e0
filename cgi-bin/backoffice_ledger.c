/* Back office: a customer's account, payments, adjustments, reversals,
 * receipts and statements.  Money only moves through lib/ledger (payments
 * through lib/payment, which queues the customer's receipt with them);
 * this file reads the request, checks what a clerk typed and shows
 * results.
 *
 * Every posting form carries a random key made when the form is shown.
 * The ledger posts a key once, so a double click, a browser resubmit or
 * two tabs holding the same form post exactly once; the key is prefixed
 * with the user and the form so nobody else's key can ever collide. */
#include "backoffice.h"
#include "ledger.h"
#include "payment.h"
#include "money.h"
#include "sitetime.h"
#include "csv.h"
#include "secret.h"
#include "utf8.h"
#include "validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_PAGE_SIZE 50
#define HISTORY_MAX_PAGE 100000
#define FORM_KEY_BYTES 16             /* 22 characters of base64url */
#define FORM_KEY_MIN 16
#define FORM_KEY_MAX 64
#define REFERENCE_MAX 120             /* ledger_journals.reference */
#define MEMO_MAX 500                  /* ledger_journals.memo */
/* Far above any real payment, far below where sums of many could
 * overflow int64: 10^13 minor units. */
#define AMOUNT_MAX 10000000000000LL

static const char *const methods[] = { "cash", "card", "bank_transfer", NULL };
static const char *const adjust_kinds[] = { "credit", "debit", "write_off", NULL };

static int in_set(const char *const *set, const char *v)
{
    for (int i = 0; v && set[i]; i++) if (!strcmp(set[i], v)) return 1;
    return 0;
}

/* ---------- small pure helpers ---------- */

static int valid_form_key(const char *k)
{
    size_t n = strlen(k);
    if (n < FORM_KEY_MIN || n > FORM_KEY_MAX) return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static const char *new_form_key(web_req_t *req)
{
    char *k = arena_alloc(req->arena, FORM_KEY_MAX + 1);
    if (k) secret_token(k, FORM_KEY_MAX + 1, FORM_KEY_BYTES);
    return k;
}

/* The ledger's key for a form: the user and the form's purpose keep
 * keys from different people and different forms apart. */
static const char *ledger_key(web_req_t *req, const char *purpose, const char *form_key)
{
    return arena_printf(req->arena, "form:%lld:%s:%s", (long long)staff_user(req)->id, purpose, form_key);
}

/* An amount as typed into a form: positive, no more decimals than the
 * currency has, below AMOUNT_MAX.  Sets err and returns -1 otherwise. */
static int parse_amount(const char *text, const char *currency, int64_t *minor, inv_error_t *err)
{
    err->field = "amount";
    if (!*text) { err->code = "required"; return -1; }
    if (money_parse(text, currency, 1, minor) != 0) { err->code = "bad_amount"; return -1; }
    if (*minor <= 0) { err->code = "amount_not_positive"; return -1; }
    if (*minor > AMOUNT_MAX) { err->code = "amount_too_large"; return -1; }
    err->field = NULL;
    return 0;
}

static int text_too_long(const char *s, size_t max) { return utf8_chars(s) > max; }

/* ---------- what every page here shows ---------- */

typedef struct acct {
    int64_t customer_id, site_id;
    const char *currency;
    int64_t balance;
    char today[16];
} acct_t;

static const char *display(web_req_t *req, int64_t minor, const char *currency)
{
    char *buf = arena_alloc(req->arena, 64);
    return buf ? money_display(minor, currency, buf, 64) : "";
}

static const char *plain(web_req_t *req, int64_t minor, const char *currency)
{
    char *buf = arena_alloc(req->arena, 48);
    return buf ? money_plain(minor, currency, buf, 48) : "";
}

/* Balance.state (due, credit, settled) and Balance.amount, for the
 * one clear line every page shows beside the customer's name. */
static void set_balance(web_req_t *req, const acct_t *c)
{
    render_t *r = page_r(req);
    int64_t b = c->balance;
    render_set(r, b > 0 ? "due" : b < 0 ? "credit" : "settled", "Balance.state");
    render_set(r, display(req, b < 0 ? -b : b, c->currency), "Balance.amount");
}

/* Loads the customer (404 for another site's), their site and balance. */
static int load_customer(web_req_t *req, int64_t id, acct_t *c)
{
    memset(c, 0, sizeof *c);
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT c.id, c.site_id, c.full_name, s.name, s.address, s.currency"
        " FROM customers c JOIN sites s ON s.id = c.site_id WHERE c.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    c->customer_id = id;
    c->site_id = db_cell_int(res, 0, 1);
    if ((rc = staff_check_site(req, c->site_id)) != 0) return rc;
    c->currency = arena_strdup(req->arena, db_cell(res, 0, 5));
    render_t *r = page_r(req);
    render_set(r, db_cell(res, 0, 0), "Customer.id");
    render_set(r, db_cell(res, 0, 2), "Customer.name");
    render_set(r, db_cell(res, 0, 1), "Site.id");
    render_set(r, db_cell(res, 0, 3), "Site.name");
    render_set(r, db_cell(res, 0, 4), "Site.address");
    render_set(r, c->currency, "Site.currency");
    /* Without the site's date the form has no default and the date
     * check has nothing to compare with; everything else still works. */
    if (sitetime_today(page_db(req), req->arena, c->site_id, c->today) != 0) c->today[0] = '\0';
    render_set(r, c->today, "Today");
    if ((rc = ledger_balance(page_db(req), req->arena, id, &c->balance)) != 0) return page_db_fail(req, rc);
    set_balance(req, c);
    return 0;
}

/* ---------- the account page ---------- */

static const char *doc_label(web_req_t *req, const char *series, const char *number)
{
    if (!series || !number) return "";
    return ledger_doc_label(req->arena, series, strtoll(number, NULL, 10));
}

static int load_history(web_req_t *req, const acct_t *c, int page)
{
    db_res_t *res;
    /* One row past the page says whether there is a next one. */
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT j.id, j.kind, j.method, j.reference, j.memo, j.amount, j.value_date, j.posted_at, j.posted_by,"
        " j.doc_series, j.doc_number, j.reverses_id, r.id"
        " FROM ledger_journals j LEFT JOIN ledger_journals r ON r.reverses_id = j.id"
        " WHERE j.customer_id = ? ORDER BY j.id DESC LIMIT ? OFFSET ?",
        "iII", c->customer_id, HISTORY_PAGE_SIZE + 1, (page - 1) * HISTORY_PAGE_SIZE);
    if (rc) return page_db_fail(req, rc);
    render_t *r = page_r(req);
    int shown = res->nrows > HISTORY_PAGE_SIZE ? HISTORY_PAGE_SIZE : res->nrows;
    int can_reverse = auth_role_can(staff_user(req)->role, "ledger.adjust");
    for (int i = 0; i < shown; i++) {
        render_set(r, db_cell(res, i, 0), "History.%d.id", i);
        render_set(r, db_cell(res, i, 1), "History.%d.kind", i);
        render_set(r, db_cell(res, i, 2), "History.%d.method", i);
        render_set(r, db_cell(res, i, 3), "History.%d.reference", i);
        render_set(r, db_cell(res, i, 4), "History.%d.memo", i);
        render_set(r, display(req, db_cell_int(res, i, 5), c->currency), "History.%d.amount", i);
        render_set(r, db_cell(res, i, 6), "History.%d.value_date", i);
        render_set(r, db_cell(res, i, 7), "History.%d.posted_at", i);
        render_set(r, db_cell(res, i, 8), "History.%d.posted_by", i);
        render_set(r, doc_label(req, db_cell(res, i, 9), db_cell(res, i, 10)), "History.%d.document", i);
        render_set(r, db_cell(res, i, 11), "History.%d.reverses", i);
        render_set(r, db_cell(res, i, 12), "History.%d.reversed_by", i);
        if (can_reverse && !db_cell(res, i, 12) && !db_cell(res, i, 11) && strcmp(db_cell(res, i, 1), "reversal") != 0)
            render_set(r, new_form_key(req), "History.%d.idem", i);
    }
    render_set_int(r, page, "Pager.page");
    if (page > 1) render_set_int(r, page - 1, "Pager.prev");
    if (res->nrows > HISTORY_PAGE_SIZE) render_set_int(r, page + 1, "Pager.next");
    return 0;
}

static int history_page_number(web_req_t *req)
{
    const char *p = web_query(req, "page");
    if (!p || !*p || strlen(p) > 6) return 1;
    char *end;
    long n = strtol(p, &end, 10);
    return *end || n < 1 || n > HISTORY_MAX_PAGE ? 1 : (int)n;
}

/* The account page with whatever forms are already in the dataset;
 * a form not filled in gets its defaults and a fresh key. */
static int account_page(web_req_t *req, const acct_t *c)
{
    render_t *r = page_r(req);
    HDF *hdf = render_hdf(r);
    if (!hdf_get_value(hdf, "Pay.idem", NULL)) {
        render_set(r, new_form_key(req), "Pay.idem");
        render_set(r, "cash", "Pay.method");
        render_set(r, c->today, "Pay.received_on");
    }
    if (!hdf_get_value(hdf, "Adj.idem", NULL)) {
        render_set(r, new_form_key(req), "Adj.idem");
        render_set(r, "credit", "Adj.kind");
    }
    for (int i = 0; methods[i]; i++) render_set(r, methods[i], "Methods.%d", i);
    for (int i = 0; adjust_kinds[i]; i++) render_set(r, adjust_kinds[i], "AdjustKinds.%d", i);
    int rc = load_history(req, c, history_page_number(req));
    if (rc) return rc;
    render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/account.cs") ? 500 : 0;
}

int bo_account(web_req_t *req)
{
    acct_t c;
    int rc = load_customer(req, web_param_id(req, 0), &c);
    if (rc) return rc;
    return account_page(req, &c);
}

static int form_failed(web_req_t *req, const acct_t *c, const char *which, const inv_error_t *err, int status)
{
    render_set(page_r(req), which, "Form.which");
    bo_form_error(req, err);
    if (status) web_set_status(req, status);
    return account_page(req, c);
}

/* Maps what the ledger answered to a response.  Returns 0 when it has
 * redirected to the journal (posted now, or posted before under the same
 * key: the same result either way), -1 when err (and *status) say what to
 * show with the form, else an HTTP status for the error page. */
static int posted(web_req_t *req, int rc, const ledger_posted_t *out, const ledger_err_t *lerr,
                  const char *done, inv_error_t *err, int *status)
{
    if (rc == LEDGER_OK || rc == LEDGER_REPLAYED)
        return web_redirect(req, arena_printf(req->arena, "/admin/journals/%lld?done=%s",
                                              (long long)out->journal_id, done));
    if (rc == LEDGER_INVALID || rc == LEDGER_CONFLICT) {
        /* The ledger names its own fields; the forms call two of them
         * by what the clerk sees. */
        err->field = !lerr->field ? NULL : !strcmp(lerr->field, "memo") ? "reason"
                   : !strcmp(lerr->field, "value_date") ? "received_on" : lerr->field;
        err->code = lerr->code ? lerr->code : rc == LEDGER_CONFLICT ? "conflict" : "invalid";
        if (rc == LEDGER_CONFLICT) *status = 409;
        return -1;
    }
    if (rc == LEDGER_NOT_FOUND) return web_fail(req, 404, "not_found", NULL);
    return page_db_fail(req, rc);
}

int bo_payment_create(web_req_t *req)
{
    acct_t c;
    int rc = load_customer(req, web_param_id(req, 0), &c);
    if (rc) return rc;
    const char *amount_s = web_form_trimmed(req, "amount"), *method = web_form_trimmed(req, "method");
    const char *reference = web_form_trimmed(req, "reference"), *received_on = web_form_trimmed(req, "received_on");
    const char *key = web_form_trimmed(req, "idem");
    if (!valid_form_key(key)) return web_fail(req, 400, "form_key", NULL);

    inv_error_t err = { 0 };
    int64_t amount = 0;
    int status = 0;
    if (parse_amount(amount_s, c.currency, &amount, &err) == 0) {
        if (!in_set(methods, method)) err = (inv_error_t){ "method", "bad_method" };
        else if (text_too_long(reference, REFERENCE_MAX)) err = (inv_error_t){ "reference", "too_long" };
        else if (!*received_on) err = (inv_error_t){ "received_on", "required" };
        else if (!validate_date(received_on)) err = (inv_error_t){ "received_on", "bad_date" };
        else if (*c.today && strcmp(received_on, c.today) > 0) err = (inv_error_t){ "received_on", "date_in_future" };
    }
    if (!err.code) {
        ledger_posted_t out = { 0 };
        ledger_err_t lerr = { 0 };
        audit_actor_t who = staff_actor(req);
        rc = payment_record(page_db(req), staff_notices(req), &who, c.site_id, c.customer_id, amount, method,
                            reference, received_on, ledger_key(req, "pay", key), &out, &lerr);
        if ((rc = posted(req, rc, &out, &lerr, "payment_recorded", &err, &status)) != -1) return rc;
    }
    render_t *r = page_r(req);
    render_set(r, key, "Pay.idem");
    render_set(r, amount_s, "Pay.amount");
    render_set(r, method, "Pay.method");
    render_set(r, reference, "Pay.reference");
    render_set(r, received_on, "Pay.received_on");
    return form_failed(req, &c, "pay", &err, status);
}

int bo_adjustment_create(web_req_t *req)
{
    acct_t c;
    int rc = load_customer(req, web_param_id(req, 0), &c);
    if (rc) return rc;
    const char *kind = web_form_trimmed(req, "kind"), *amount_s = web_form_trimmed(req, "amount");
    const char *reason = web_form_trimmed(req, "reason"), *key = web_form_trimmed(req, "idem");
    if (!valid_form_key(key)) return web_fail(req, 400, "form_key", NULL);

    inv_error_t err = { 0 };
    int64_t amount = 0;
    int status = 0;
    if (!in_set(adjust_kinds, kind)) err = (inv_error_t){ "kind", "bad_adjust_kind" };
    else if (parse_amount(amount_s, c.currency, &amount, &err) != 0) {}
    else if (!*reason) err = (inv_error_t){ "reason", "required" };
    else if (text_too_long(reason, MEMO_MAX)) err = (inv_error_t){ "reason", "too_long" };
    if (!err.code) {
        ledger_posted_t out = { 0 };
        ledger_err_t lerr = { 0 };
        audit_actor_t who = staff_actor(req);
        rc = ledger_adjust(page_db(req), &who, c.site_id, c.customer_id, kind, amount, reason,
                           ledger_key(req, "adj", key), &out, &lerr);
        if ((rc = posted(req, rc, &out, &lerr, "adjustment_posted", &err, &status)) != -1) return rc;
    }
    render_t *r = page_r(req);
    render_set(r, key, "Adj.idem");
    render_set(r, kind, "Adj.kind");
    render_set(r, amount_s, "Adj.amount");
    render_set(r, reason, "Adj.reason");
    return form_failed(req, &c, "adj", &err, status);
}

/* ---------- one journal: receipt, invoice or entry ---------- */

typedef struct jrow {
    int64_t id, site_id, customer_id;
    const char *kind;
    int reversible;
} jrow_t;

/* Loads journal id into Journal.* (404 for another site's), with its
 * customer and balance when it has one. */
static int load_journal(web_req_t *req, int64_t id, jrow_t *j, acct_t *c)
{
    memset(j, 0, sizeof *j);
    memset(c, 0, sizeof *c);
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT j.id, j.site_id, j.customer_id, j.kind, j.method, j.reference, j.memo, j.amount, j.currency,"
        " j.value_date, j.posted_at, j.posted_by, j.doc_series, j.doc_number, j.reverses_id, r.id,"
        " o.doc_series, o.doc_number, r.doc_series, r.doc_number, s.name, s.address, j.contract_id"
        " FROM ledger_journals j JOIN sites s ON s.id = j.site_id"
        " LEFT JOIN ledger_journals r ON r.reverses_id = j.id"
        " LEFT JOIN ledger_journals o ON o.id = j.reverses_id"
        " WHERE j.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    j->id = id;
    j->site_id = db_cell_int(res, 0, 1);
    if ((rc = staff_check_site(req, j->site_id)) != 0) return rc;
    j->customer_id = db_cell_int(res, 0, 2);
    j->kind = arena_strdup(req->arena, db_cell(res, 0, 3));
    j->reversible = !db_cell(res, 0, 15) && !db_cell(res, 0, 14) && strcmp(j->kind, "reversal") != 0;
    render_t *r = page_r(req);
    const char *currency = db_cell(res, 0, 8);
    static const char *const cols[] = { "id", "site_id", "customer_id", "kind", "method", "reference", "memo" };
    for (int k = 0; k < 7; k++) render_set(r, db_cell(res, 0, k), "Journal.%s", cols[k]);
    render_set(r, display(req, db_cell_int(res, 0, 7), currency), "Journal.amount");
    render_set(r, currency, "Journal.currency");
    render_set(r, db_cell(res, 0, 9), "Journal.value_date");
    render_set(r, db_cell(res, 0, 10), "Journal.posted_at");
    render_set(r, db_cell(res, 0, 11), "Journal.posted_by");
    render_set(r, db_cell(res, 0, 12), "Journal.series");
    render_set(r, doc_label(req, db_cell(res, 0, 12), db_cell(res, 0, 13)), "Journal.document");
    render_set(r, db_cell(res, 0, 14), "Journal.reverses");
    render_set(r, doc_label(req, db_cell(res, 0, 16), db_cell(res, 0, 17)), "Journal.reverses_document");
    render_set(r, db_cell(res, 0, 15), "Journal.reversed_by");
    render_set(r, doc_label(req, db_cell(res, 0, 18), db_cell(res, 0, 19)), "Journal.reversed_by_document");
    render_set(r, db_cell(res, 0, 22), "Journal.contract_id");
    render_set(r, db_cell(res, 0, 20), "Site.name");
    render_set(r, db_cell(res, 0, 21), "Site.address");
    if (j->customer_id) {
        if ((rc = load_customer(req, j->customer_id, c)) != 0) return rc;
    } else {
        render_set(r, db_cell(res, 0, 1), "Site.id");
    }
    if (j->reversible && auth_role_can(staff_user(req)->role, "ledger.adjust")) {
        render_set_int(r, 1, "Journal.reversible");
        if (!hdf_get_value(render_hdf(r), "Rev.idem", NULL)) render_set(r, new_form_key(req), "Rev.idem");
    }
    return 0;
}

int bo_journal(web_req_t *req)
{
    jrow_t j;
    acct_t c;
    int rc = load_journal(req, web_param_id(req, 0), &j, &c);
    if (rc) return rc;
    render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/journal.cs") ? 500 : 0;
}

int bo_journal_reverse(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    jrow_t j;
    acct_t c;
    render_t *r = page_r(req);
    const char *reason = web_form_trimmed(req, "reason"), *key = web_form_trimmed(req, "idem");
    if (!valid_form_key(key)) {
        int rc = load_journal(req, id, &j, &c);   /* another site's journal stays a 404 */
        return rc ? rc : web_fail(req, 400, "form_key", NULL);
    }
    /* The form keeps its key when shown again, so fixing the reason and
     * submitting twice still reverses once. */
    render_set(r, key, "Rev.idem");
    int rc = load_journal(req, id, &j, &c);
    if (rc) return rc;

    inv_error_t err = { 0 };
    int status = 0;
    if (!*reason) err = (inv_error_t){ "reason", "required" };
    else if (text_too_long(reason, MEMO_MAX)) err = (inv_error_t){ "reason", "too_long" };
    if (!err.code) {
        ledger_posted_t out = { 0 };
        ledger_err_t lerr = { 0 };
        audit_actor_t who = staff_actor(req);
        rc = ledger_reverse(page_db(req), &who, j.site_id, id, reason,
                            ledger_key(req, arena_printf(req->arena, "rev:%lld", (long long)id), key), &out, &lerr);
        int lrc = rc;
        if ((rc = posted(req, rc, &out, &lerr, "reversal_posted", &err, &status)) != -1) return rc;
        /* A conflict the language files have no words for reads as the
         * usual one: reversed already (by another clerk, a moment ago). */
        if (lrc == LEDGER_CONFLICT) {
            const char *k = lerr.code ? arena_printf(req->arena, "errors.field.%s", lerr.code) : NULL;
            if (!k || !strcmp(render_str(r, k), k)) err.code = "already_reversed";
            err.field = "reason";
        }
    }
    render_set(r, reason, "Rev.reason");
    render_set(r, "rev", "Form.which");
    bo_form_error(req, &err);
    if (status) web_set_status(req, status);
    return page_render(req, "backoffice/journal.cs") ? 500 : 0;
}

/* ---------- statements ---------- */

typedef struct period {
    const char *from, *to;        /* NULL = open */
} period_t;

static int read_period(web_req_t *req, period_t *p, inv_error_t *err)
{
    p->from = web_query_given(req, "from");
    p->to = web_query_given(req, "to");
    render_set(page_r(req), p->from, "Period.from");
    render_set(page_r(req), p->to, "Period.to");
    if (p->from && !validate_date(p->from)) { *err = (inv_error_t){ "from", "bad_date" }; return -1; }
    if (p->to && !validate_date(p->to)) { *err = (inv_error_t){ "to", "bad_date" }; return -1; }
    if (p->from && p->to && strcmp(p->from, p->to) > 0) { *err = (inv_error_t){ "to", "bad_period" }; return -1; }
    return 0;
}

/* A growing buffer for the statement's rows: written straight from the
 * lines rather than through an HDF node per cell, so ten thousand lines
 * cost a few milliseconds. */
typedef struct outbuf { char *buf; size_t len, cap; int failed; } outbuf_t;

static void out_write(outbuf_t *b, const char *s, size_t n)
{
    if (b->failed || !n) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1) cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) { b->failed = 1; return; }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void out_puts(outbuf_t *b, const char *s) { if (s) out_write(b, s, strlen(s)); }

/* Text as HTML: the same five characters ClearSilver's html escape mode
 * replaces. */
static void out_html(outbuf_t *b, const char *s)
{
    if (!s) return;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *rep;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        out_write(b, run, (size_t)(p - run));
        out_puts(b, rep);
        run = p + 1;
    }
    out_puts(b, run);
}

static void out_int(outbuf_t *b, int64_t v)
{
    char n[24];
    out_write(b, n, (size_t)snprintf(n, sizeof n, "%lld", (long long)v));
}

/* A label from the language files, looked up once per code and page. */
typedef struct labels { const char *code[16], *text[16]; int n; } labels_t;

static const char *label(render_t *r, labels_t *l, const char *prefix, const char *code)
{
    if (!code || !*code) return "";
    for (int i = 0; i < l->n; i++) if (!strcmp(l->code[i], code)) return l->text[i];
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, code);
    const char *t = render_str(r, key);
    if (!strcmp(t, key)) t = code;          /* a code without a label shows as itself */
    if (l->n < 16) { l->code[l->n] = code; l->text[l->n++] = t; }
    return t;
}

static void out_money_cell(outbuf_t *b, const char *cls, int64_t v, int show, const char *currency)
{
    char m[48];
    out_puts(b, cls);
    if (show) out_html(b, money_plain(v, currency, m, sizeof m));
    out_puts(b, "</td>");
}

static int statement_rows(web_req_t *req, const ledger_statement_t *st, const char *currency, char **html)
{
    render_t *r = page_r(req);
    labels_t kinds = { .n = 0 }, meths = { .n = 0 };
    const char *rev_by = render_str(r, "payments.reversed_by");
    const char *reverses = render_str(r, "payments.reverses");
    outbuf_t b = { 0 };
    for (int i = 0; i < st->nlines; i++) {
        const ledger_stmt_line_t *l = &st->lines[i];
        out_puts(&b, l->reversed_by ? "<tr class=\"reversed\"><td>" : "<tr><td>");
        out_html(&b, l->value_date);
        out_puts(&b, "</td><td><a href=\"/admin/journals/");
        out_int(&b, l->journal_id);
        out_puts(&b, "\">");
        if (l->document && *l->document) out_html(&b, l->document);
        else { out_puts(&b, "#"); out_int(&b, l->journal_id); }
        out_puts(&b, "</a></td><td>");
        out_html(&b, label(r, &kinds, "payments.kinds", l->kind));
        if (l->method && *l->method) { out_puts(&b, " <small>"); out_html(&b, label(r, &meths, "payments.methods", l->method)); out_puts(&b, "</small>"); }
        out_puts(&b, "</td><td>");
        out_html(&b, l->reference);
        if (l->reference && *l->reference && l->memo && *l->memo) out_puts(&b, " · ");
        out_html(&b, l->memo);
        if (l->reverses_id) {
            out_puts(&b, " <small>"); out_html(&b, reverses);
            out_puts(&b, " <a href=\"/admin/journals/"); out_int(&b, l->reverses_id); out_puts(&b, "\">#");
            out_int(&b, l->reverses_id); out_puts(&b, "</a></small>");
        }
        if (l->reversed_by) {
            out_puts(&b, " <small>"); out_html(&b, rev_by);
            out_puts(&b, " <a href=\"/admin/journals/"); out_int(&b, l->reversed_by); out_puts(&b, "\">#");
            out_int(&b, l->reversed_by); out_puts(&b, "</a></small>");
        }
        out_puts(&b, "</td>");
        /* The stylesheet aligns these columns: no class on each cell
         * keeps ten thousand rows a few hundred kilobytes smaller. */
        out_money_cell(&b, "<td>", l->amount, l->amount > 0, currency);
        out_money_cell(&b, "<td>", -l->amount, l->amount < 0, currency);
        out_money_cell(&b, "<td>", l->running, 1, currency);
        out_puts(&b, "</tr>\n");
    }
    if (b.failed) { free(b.buf); return -1; }
    *html = b.buf;
    return 0;
}

/* The customer, the period asked for and the statement, shared by the
 * page and the CSV.  Returns 0, or what the handler must return: an
 * HTTP status, or the re-rendered page (with its 422) for a bad period. */
static int load_statement(web_req_t *req, acct_t *c, period_t *p, ledger_statement_t *st, const char **cur)
{
    int rc = load_customer(req, web_param_id(req, 0), c);
    if (rc) return rc;
    inv_error_t err = { 0 };
    if (read_period(req, p, &err) != 0) {
        bo_form_error(req, &err);
        return page_render(req, "backoffice/statement.cs") ? 500 : WEB_DONE;
    }
    memset(st, 0, sizeof *st);
    if ((rc = ledger_statement(page_db(req), req->arena, c->customer_id, p->from, p->to, st)) != 0)
        return page_db_fail(req, rc);
    *cur = st->currency && *st->currency ? st->currency : c->currency;
    return 0;
}

int bo_statement(web_req_t *req)
{
    acct_t c;
    period_t p;
    ledger_statement_t st;
    const char *cur = NULL;
    int rc = load_statement(req, &c, &p, &st, &cur);
    if (rc) return rc == WEB_DONE ? 0 : rc;
    render_t *r = page_r(req);
    render_set_int(r, 1, "Statement.shown");
    render_set(r, plain(req, st.opening, cur), "Statement.opening");
    render_set(r, plain(req, st.closing, cur), "Statement.closing");
    render_set(r, plain(req, st.debits, cur), "Statement.debits");
    render_set(r, plain(req, st.credits < 0 ? -st.credits : st.credits, cur), "Statement.credits");
    render_set(r, cur, "Statement.currency");
    render_set_int(r, st.nlines, "Statement.lines");
    render_set(r, p.from ? p.from : "", "Statement.from");
    render_set(r, p.to ? p.to : c.today, "Statement.to");
    char *rows = NULL;
    if (statement_rows(req, &st, cur, &rows) != 0) return web_fail(req, 500, "internal", NULL);
    render_set(r, rows ? rows : "", "StatementRows");
    free(rows);
    return page_render(req, "backoffice/statement.cs") ? 500 : 0;
}

/* A money column: a plain decimal written as is, since csv_field would
 * guard a leading '-' as if it began a formula. */
static void csv_money(web_req_t *req, int64_t v, int show, const char *currency)
{
    char m[48];
    web_puts(req, ",");
    if (show) web_puts(req, money_plain(v, currency, m, sizeof m));
}

int bo_statement_csv(web_req_t *req)
{
    acct_t c;
    period_t p;
    ledger_statement_t st;
    const char *cur = NULL;
    int rc = load_statement(req, &c, &p, &st, &cur);
    if (rc) return rc == WEB_DONE ? 0 : rc;
    static const char *const head[] = { "journal", "date", "document", "kind", "method", "reference", "memo",
                                        "reverses", "reversed_by", "debit", "credit", "balance" };
    csv_row(web_sink, req, head, 12);
    for (int i = 0; i < st.nlines; i++) {
        const ledger_stmt_line_t *l = &st.lines[i];
        char id[24], revs[24], revby[24];
        snprintf(id, sizeof id, "%lld", (long long)l->journal_id);
        snprintf(revs, sizeof revs, "%lld", (long long)l->reverses_id);
        snprintf(revby, sizeof revby, "%lld", (long long)l->reversed_by);
        const char *text[] = { id, l->value_date, l->document, l->kind, l->method, l->reference, l->memo,
                               l->reverses_id ? revs : "", l->reversed_by ? revby : "" };
        for (int k = 0; k < 9; k++) {
            if (k) web_puts(req, ",");
            csv_field(web_sink, req, text[k]);
        }
        csv_money(req, l->amount, l->amount > 0, cur);
        csv_money(req, -l->amount, l->amount < 0, cur);
        csv_money(req, l->running, 1, cur);
        web_puts(req, "\r\n");
    }
    if (req->out_failed) { web_reset_body(req); return web_fail(req, 500, "internal", NULL); }
    web_add_header(req, "Content-Type", "text/csv; charset=utf-8");
    web_add_header(req, "Content-Disposition",
                   arena_printf(req->arena, "attachment; filename=\"statement-%lld-%s-%s.csv\"",
                                (long long)c.customer_id, p.from ? p.from : "start", p.to ? p.to : c.today));
    return 0;
}
