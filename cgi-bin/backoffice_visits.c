/* Back office: vault visits.  Who is inside now, the history of visits
 * with filters, paging and CSV, the check-in screen and check-out.
 * Visits are opened and closed only through lib/visit; this file reads
 * the request, shows what a clerk needs to decide and reports refusals.
 *
 * Dates a clerk types are the site's local dates and times are shown in
 * the site's zone; the database holds UTC.  A worker serves one request
 * at a time, so switching the process's TZ for a conversion is safe. */
#include "backoffice.h"
#include "backoffice_fplive.h"
#include "validate.h"
#include "visit.h"
#include "customer.h"
#include "money.h"
#include "csv.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VISITS_PAGE_SIZE 50
#define VISITS_MAX_PAGE 100000
#define VISITS_INSIDE_MAX 200       /* open visits listed at the top */
#define VISITS_CSV_MAX 100000       /* rows in one export */
#define VISITS_CSV_BATCH 2000       /* rows fetched at a time */
#define SEARCH_MAX 50               /* contracts offered by a customer search */
#define SEARCH_TEXT_MAX 160         /* customers.full_name */

/* ---------- small pure helpers ---------- */

static int all_digits(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* ---------- site time ---------- */

/* Local times come from the query (CONVERT_TZ: the server's zone tables,
 * as everywhere, lib/sitetime.h); this only trims one to minutes or
 * seconds ("" for NULL). */
static const char *local_text(arena_t *a, const char *local, int with_seconds)
{
    if (!local || strlen(local) < 19) return "";
    return arena_strndup(a, local, with_seconds ? 19 : 16);
}

/* "t" in the site's zone, or t itself when the server does not know the
 * zone: an SQL fragment for a column of visits v joined with sites s. */
#define SITE_LOCAL(t) "COALESCE(CONVERT_TZ(" t ", '+00:00', s.time_zone), " t ")"
/* The UTC instant at which a local date (a parameter) begins at site s. */
#define SITE_DAY_START_UTC(d) "COALESCE(CONVERT_TZ(" d ", s.time_zone, '+00:00'), " d ")"

static const char *duration_text(arena_t *a, int64_t seconds)
{
    char buf[32];
    visit_format_duration(seconds, buf, sizeof buf);
    return arena_strdup(a, buf);
}

/* ---------- filters ---------- */

typedef struct visit_filter {
    int64_t site_id, customer_id, cell_id;
    const char *customer_like;   /* a name search, as a LIKE pattern */
    const char *from, *to;       /* local dates */
    const char *verified_by;
    int asc, open_only, page;
    /* Keyset for the export: only rows after this one in the sort order. */
    const char *after_at;
    int64_t after_id;
} visit_filter_t;

static const char *const verifiers_known[] = { "fingerprint", "staff_override", NULL };

static int known_verifier(const char *s)
{
    for (int i = 0; s && verifiers_known[i]; i++) if (!strcmp(s, verifiers_known[i])) return 1;
    return 0;
}

/* Reads the filters.  Returns 0, a 4xx/5xx status already set up (404
 * for another site's site, customer or cell), or -1 with err for a
 * value that cannot be read (shown on the page with 422). */
/* A real date whose next day MariaDB still accepts (the range ends at
 * the start of the day after "to"). */
static int local_date_ok(const char *s)
{
    return validate_date(s) && atoi(s) < 9999;
}

static int read_filter(web_req_t *req, visit_filter_t *f, inv_error_t *err)
{
    memset(f, 0, sizeof *f);
    const char *site = web_query_given(req, "site"), *customer = web_query_given(req, "customer");
    const char *cell = web_query_given(req, "cell"), *sort = web_query_given(req, "sort");
    f->from = web_query_given(req, "from");
    f->to = web_query_given(req, "to");
    f->verified_by = web_query_given(req, "verified_by");
    int64_t p = web_id(web_query_given(req, "page"));
    f->page = p > 0 && p <= VISITS_MAX_PAGE ? (int)p : 1;
    f->asc = sort && !strcmp(sort, "oldest");

    if (site) {
        if (!(f->site_id = web_id(site))) { *err = (inv_error_t){ "site_id", "invalid" }; return -1; }
        int rc = staff_check_site(req, f->site_id);
        if (rc) return rc;
    }
    if (customer && all_digits(customer)) {
        if (!(f->customer_id = web_id(customer))) { *err = (inv_error_t){ "customer", "invalid" }; return -1; }
        int64_t s = customer_site(page_db(req), req->arena, f->customer_id);
        if (!s) return web_fail(req, 404, "not_found", NULL);
        int rc = staff_check_site(req, s);
        if (rc) return rc;
    } else if (customer) {
        if (strlen(customer) > SEARCH_TEXT_MAX * 4) { *err = (inv_error_t){ "customer", "too_long" }; return -1; }
        f->customer_like = db_like_pattern(req->arena, customer, 1);
    }
    if (cell) {
        if (!(f->cell_id = web_id(cell))) { *err = (inv_error_t){ "cell", "invalid" }; return -1; }
        int64_t s = inv_site_of_cell(page_db(req), req->arena, f->cell_id);
        if (!s) return web_fail(req, 404, "not_found", NULL);
        int rc = staff_check_site(req, s);
        if (rc) return rc;
    }
    if (f->from && !local_date_ok(f->from)) { *err = (inv_error_t){ "from", "bad_date" }; return -1; }
    if (f->to && !local_date_ok(f->to)) { *err = (inv_error_t){ "to", "bad_date" }; return -1; }
    if (f->verified_by && !known_verifier(f->verified_by)) { *err = (inv_error_t){ "verified_by", "invalid" }; return -1; }
    return 0;
}

static void filter_to_form(web_req_t *req)
{
    static const char *const names[] = { "site", "from", "to", "customer", "cell", "verified_by", "sort", NULL };
    /* Every key is set, empty when absent: url_escape in the template
     * must never be handed a missing value. */
    for (int i = 0; names[i]; i++) render_set(page_r(req), web_query_given(req, names[i]), "Filter.%s", names[i]);
}

/* ---------- the query ---------- */

enum { V_ID, V_SITE_ID, V_SITE, V_TZ, V_CUSTOMER_ID, V_CUSTOMER, V_CONTRACT_ID, V_CELL_ID, V_CELL, V_BANK,
       V_IN, V_OUT, V_SECONDS, V_BY, V_REASON, V_REF, V_STAFF_IN, V_STAFF_OUT, V_IN_LOCAL, V_OUT_LOCAL, V_N };

/* Visits matching f.  Only the fixed fragments below go into the SQL
 * text; every value travels as a parameter, and a filter not in use
 * binds its parameter to a fragment that holds for every row. */
static int visits_query(web_req_t *req, arena_t *a, const visit_filter_t *f, int limit, int offset, db_res_t **res)
{
    const auth_user_t *u = staff_user(req);
    const char *sql = arena_printf(a,
        "SELECT v.id, v.site_id, s.name, s.time_zone, v.customer_id, cu.full_name, v.contract_id, v.cell_id,"
        " ce.label, b.name, v.checked_in_at, v.checked_out_at,"
        " TIMESTAMPDIFF(SECOND, v.checked_in_at, COALESCE(v.checked_out_at, UTC_TIMESTAMP(6))),"
        " v.verified_by, v.override_reason, v.verification_ref,"
        " COALESCE(NULLIF(si.display_name, ''), si.username), COALESCE(NULLIF(so.display_name, ''), so.username),"
        " " SITE_LOCAL("v.checked_in_at") ", " SITE_LOCAL("v.checked_out_at")
        " FROM visits v JOIN sites s ON s.id = v.site_id JOIN customers cu ON cu.id = v.customer_id"
        " JOIN cells ce ON ce.id = v.cell_id JOIN banks b ON b.id = ce.bank_id"
        " LEFT JOIN staff_users si ON si.id = v.staff_user_id LEFT JOIN staff_users so ON so.id = v.checkout_staff_id"
        " WHERE (? = 1 OR v.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"
        "%s%s%s%s%s%s%s%s%s"
        " ORDER BY v.checked_in_at %s, v.id %s LIMIT ? OFFSET ?",
        f->site_id ? " AND v.site_id = ?" : " AND ? = 0",
        f->customer_id ? " AND v.customer_id = ?" : " AND ? = 0",
        f->customer_like ? " AND cu.full_name LIKE ?" DB_LIKE_ESCAPE : " AND ? IS NULL",
        f->cell_id ? " AND v.cell_id = ?" : " AND ? = 0",
        /* Each site counts days in its own zone: one date range means
         * the same local days everywhere.  Each date binds twice (the
         * fragment names it twice). */
        f->from ? " AND v.checked_in_at >= " SITE_DAY_START_UTC("CAST(? AS DATETIME)") : " AND ? IS NULL AND ? IS NULL",
        f->to ? " AND v.checked_in_at < " SITE_DAY_START_UTC("(CAST(? AS DATETIME) + INTERVAL 1 DAY)")
              : " AND ? IS NULL AND ? IS NULL",
        f->verified_by ? " AND v.verified_by = ?" : " AND ? IS NULL",
        f->open_only ? " AND v.checked_out_at IS NULL" : "",
        !f->after_at ? " AND ? IS NULL AND ? IS NULL AND ? = 0"
        : f->asc ? " AND (v.checked_in_at > ? OR (v.checked_in_at = ? AND v.id > ?))"
                 : " AND (v.checked_in_at < ? OR (v.checked_in_at = ? AND v.id < ?))",
        f->asc ? "ASC" : "DESC", f->asc ? "ASC" : "DESC");
    if (!sql) return DB_ERR;
    return db_query(page_db(req), a, res, sql, "IiiisisssssssiII", u->all_sites, u->id, f->site_id, f->customer_id,
                    f->customer_like, f->cell_id, f->from, f->from, f->to, f->to, f->verified_by, f->after_at, f->after_at, f->after_id,
                    limit, offset);
}

static void set_row(web_req_t *req, const db_res_t *res, int i, const char *node, int n)
{
    render_t *r = page_r(req);
    static const struct { int col; const char *name; } plain[] = {
        { V_ID, "id" }, { V_SITE_ID, "site_id" }, { V_SITE, "site" }, { V_CUSTOMER_ID, "customer_id" },
        { V_CUSTOMER, "customer" }, { V_CONTRACT_ID, "contract_id" }, { V_CELL_ID, "cell_id" }, { V_CELL, "cell" },
        { V_BANK, "bank" }, { V_BY, "verified_by" }, { V_REASON, "reason" }, { V_REF, "ref" },
        { V_STAFF_IN, "staff_in" }, { V_STAFF_OUT, "staff_out" },
    };
    for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
        render_set(r, db_cell(res, i, plain[k].col), "%s.%d.%s", node, n, plain[k].name);
    render_set(r, local_text(req->arena, db_cell(res, i, V_IN_LOCAL), 0), "%s.%d.checked_in", node, n);
    render_set(r, local_text(req->arena, db_cell(res, i, V_OUT_LOCAL), 0), "%s.%d.checked_out", node, n);
    render_set(r, duration_text(req->arena, db_cell_int(res, i, V_SECONDS)), "%s.%d.duration", node, n);
    if (!db_cell(res, i, V_OUT)) render_set(r, "1", "%s.%d.open", node, n);
}

/* ---------- the list ---------- */

/* The page with whatever is already in the dataset (rows or an error). */
static int visits_page(web_req_t *req)
{
    filter_to_form(req);
    render_set(page_r(req), web_query(req, "done"), "Done");
    int rc = bo_load_site_choices(req);
    if (rc) return page_db_fail(req, rc);
    return page_render(req, "backoffice/visits.cs") ? 500 : 0;
}

static int load_inside(web_req_t *req, const visit_filter_t *f)
{
    /* Who is inside now follows the site, customer and locker asked
     * for; the date range and the rest are about history. */
    visit_filter_t in = { .site_id = f->site_id, .customer_id = f->customer_id, .customer_like = f->customer_like,
                          .cell_id = f->cell_id, .open_only = 1, .asc = 1 };
    db_res_t *res;
    int rc = visits_query(req, req->arena, &in, VISITS_INSIDE_MAX, 0, &res);
    if (rc) return rc;
    for (int i = 0; i < res->nrows; i++) set_row(req, res, i, "Inside.rows", i);
    render_set_int(page_r(req), res->nrows, "Inside.count");
    render_set(page_r(req), "1", "Inside.loaded");
    return DB_OK;
}

int bo_visits(web_req_t *req)
{
    visit_filter_t f;
    inv_error_t err = { 0 };
    int rc = read_filter(req, &f, &err);
    if (rc > 0) return rc;
    if (rc < 0) {
        bo_form_error(req, &err);
        return visits_page(req);
    }
    if ((rc = load_inside(req, &f)) != DB_OK) return page_db_fail(req, rc);
    db_res_t *res;
    /* One row more than a page tells whether there is a next page. */
    rc = visits_query(req, req->arena, &f, VISITS_PAGE_SIZE + 1, (f.page - 1) * VISITS_PAGE_SIZE, &res);
    if (rc) return page_db_fail(req, rc);
    int shown = res->nrows > VISITS_PAGE_SIZE ? VISITS_PAGE_SIZE : res->nrows;
    for (int i = 0; i < shown; i++) set_row(req, res, i, "Rows", i);
    render_t *r = page_r(req);
    render_set_int(r, f.page, "Pager.page");
    if (f.page > 1) render_set_int(r, f.page - 1, "Pager.prev");
    if (res->nrows > VISITS_PAGE_SIZE) render_set_int(r, f.page + 1, "Pager.next");
    /* A heading that says whose history this is, for the links from a
     * customer's or a locker's page. */
    if (f.customer_id) {
        db_res_t *c;
        if (db_query(page_db(req), req->arena, &c, "SELECT full_name FROM customers WHERE id = ?", "i",
                     f.customer_id) == DB_OK && c->nrows == 1)
            render_set(r, db_cell(c, 0, 0), "Subject.customer");
    }
    if (f.cell_id) {
        db_res_t *c;
        if (db_query(page_db(req), req->arena, &c,
                     "SELECT ce.label, b.name FROM cells ce JOIN banks b ON b.id = ce.bank_id WHERE ce.id = ?", "i",
                     f.cell_id) == DB_OK && c->nrows == 1) {
            render_set(r, db_cell(c, 0, 0), "Subject.cell");
            render_set(r, db_cell(c, 0, 1), "Subject.bank");
        }
    }
    return visits_page(req);
}

/* ---------- CSV ---------- */

static void audit_export(web_req_t *req, const visit_filter_t *f, int rows, int truncated)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:s?, s:s?, s:s?, s:i, s:b}", "site_id", (json_int_t)f->site_id,
                          "customer_id", (json_int_t)f->customer_id, "cell_id", (json_int_t)f->cell_id,
                          "from", f->from, "to", f->to, "verified_by", f->verified_by, "rows", rows,
                          "truncated", truncated);
    char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    audit_actor_t who = staff_actor(req);
    audit_write(page_db(req), &who, "visit.export", "", 0, f->site_id, detail);
    free(detail);
}

int bo_visits_csv(web_req_t *req)
{
    visit_filter_t f;
    inv_error_t err = { 0 };
    int rc = read_filter(req, &f, &err);
    if (rc > 0) return rc;
    if (rc < 0) {
        bo_form_error(req, &err);
        return visits_page(req);
    }
    static const char *const head[] = { "id", "site", "customer_id", "customer", "contract_id", "cell", "bank",
                                        "checked_in", "checked_out", "time_zone", "duration", "seconds",
                                        "verified_by", "override_reason", "verification_ref", "staff_in",
                                        "staff_out" };
    enum { NCOL = sizeof head / sizeof head[0] };
    csv_row(web_sink, req, head, NCOL);
    /* Keyset batches in a scratch arena: an export of the whole cap
     * costs the memory of one batch, plus the response itself, and a
     * visit begun during the export cannot shift rows between batches. */
    arena_t *a = arena_new(256 * 1024);
    if (!a) return web_fail(req, 500, "internal", NULL);
    int written = 0, truncated = 0;
    for (;;) {
        arena_reset(a);
        int want = VISITS_CSV_MAX - written + 1;   /* one past the cap shows there is more */
        if (want > VISITS_CSV_BATCH) want = VISITS_CSV_BATCH;
        db_res_t *res;
        if ((rc = visits_query(req, a, &f, want, 0, &res)) != DB_OK) break;
        for (int i = 0; i < res->nrows; i++) {
            if (written == VISITS_CSV_MAX) { truncated = 1; break; }
            const char *zone = db_cell(res, i, V_TZ);
            int open = !db_cell(res, i, V_OUT);
            const char *row[NCOL] = {
                db_cell(res, i, V_ID), db_cell(res, i, V_SITE), db_cell(res, i, V_CUSTOMER_ID),
                db_cell(res, i, V_CUSTOMER), db_cell(res, i, V_CONTRACT_ID), db_cell(res, i, V_CELL),
                db_cell(res, i, V_BANK), local_text(a, db_cell(res, i, V_IN_LOCAL), 1),
                local_text(a, db_cell(res, i, V_OUT_LOCAL), 1), zone,
                open ? "" : duration_text(a, db_cell_int(res, i, V_SECONDS)),
                open ? "" : db_cell(res, i, V_SECONDS), db_cell(res, i, V_BY), db_cell(res, i, V_REASON),
                db_cell(res, i, V_REF), db_cell(res, i, V_STAFF_IN), db_cell(res, i, V_STAFF_OUT),
            };
            csv_row(web_sink, req, row, NCOL);
            written++;
        }
        if (truncated || res->nrows < want) break;
        /* The cursor lives in the request arena: the scratch one is
         * reset before the next batch. */
        f.after_at = arena_strdup(req->arena, db_cell(res, res->nrows - 1, V_IN));
        f.after_id = db_cell_int(res, res->nrows - 1, V_ID);
    }
    arena_free(a);
    if (rc != DB_OK) { web_reset_body(req); return page_db_fail(req, rc); }
    if (req->out_failed) { web_reset_body(req); return web_fail(req, 500, "internal", NULL); }

    audit_export(req, &f, written, truncated);
    bo_csv_headers(req, "visits");
    if (truncated) web_add_header(req, "X-Export-Truncated", arena_printf(req->arena, "%d", VISITS_CSV_MAX));
    return 0;
}

/* ---------- the check-in screen ---------- */

/* Loads the contract with what the clerk must see before letting anyone
 * in: the customer, photo, locker, contract state, balance, and an open
 * visit if there is one.  404 for an unknown or another site's contract. */
static int load_contract(web_req_t *req, int64_t id, int64_t *site_id)
{
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, k.site_id, s.name, s.time_zone, k.state, k.state_reason, k.customer_id, cu.full_name,"
        " cu.photo_file IS NOT NULL, k.cell_id, ce.label, b.name, COALESCE(la.balance, 0),"
        " COALESCE(la.currency, s.currency), vo.id, " SITE_LOCAL("vo.checked_in_at") ", k.period, k.starts_on"
        " FROM contracts k JOIN sites s ON s.id = k.site_id JOIN customers cu ON cu.id = k.customer_id"
        " JOIN cells ce ON ce.id = k.cell_id JOIN banks b ON b.id = ce.bank_id"
        " LEFT JOIN ledger_accounts la ON la.customer_id = k.customer_id"
        " LEFT JOIN visits vo ON vo.open_contract_id = k.id"
        " WHERE k.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    *site_id = db_cell_int(res, 0, 1);
    if ((rc = staff_check_site(req, *site_id)) != 0) return rc;
    render_t *r = page_r(req);
    static const struct { int col; const char *name; } cols[] = {
        { 0, "id" }, { 1, "site_id" }, { 2, "site" }, { 4, "state" }, { 5, "state_reason" }, { 6, "customer_id" },
        { 7, "customer" }, { 8, "has_photo" }, { 9, "cell_id" }, { 10, "cell" }, { 11, "bank" }, { 14, "open_visit" },
        { 16, "period" }, { 17, "starts_on" },
    };
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) render_set(r, db_cell(res, 0, cols[k].col), "Contract.%s", cols[k].name);
    render_set(r, db_cell(res, 0, 14), "OpenVisit.id");
    render_set(r, local_text(req->arena, db_cell(res, 0, 15), 0), "Contract.open_since");
    /* A balance above zero is owed by the customer (lib/ledger.h). */
    int64_t balance = db_cell_int(res, 0, 12);
    char money[64];
    money_display(balance < 0 ? -balance : balance, db_cell(res, 0, 13), money, sizeof money);
    render_set(r, balance > 0 ? "due" : balance < 0 ? "credit" : "settled", "Contract.balance_state");
    render_set(r, money, "Contract.balance");
    return bo_fp_checkin_state(req, *site_id, db_cell_int(res, 0, 6));
}

/* Customers matching a search (a customer number or part of a name)
 * with their contracts that are not closed, on the sites the user sees. */
static int search_contracts(web_req_t *req, const char *q)
{
    const auth_user_t *u = staff_user(req);
    int64_t id = all_digits(q) ? web_id(q) : 0;
    const char *like = all_digits(q) ? NULL : db_like_pattern(req->arena, q, 1);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, k.state, cu.id, cu.full_name, s.name, ce.label, b.name"
        " FROM contracts k JOIN customers cu ON cu.id = k.customer_id JOIN sites s ON s.id = k.site_id"
        " JOIN cells ce ON ce.id = k.cell_id JOIN banks b ON b.id = ce.bank_id"
        " WHERE k.state <> 'closed' AND (? = 1 OR k.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"
        " AND (cu.id = ? OR cu.full_name LIKE ?" DB_LIKE_ESCAPE ")"
        " ORDER BY cu.full_name, cu.id, k.id LIMIT ?",
        "IiisI", u->all_sites, u->id, id, like, SEARCH_MAX);
    if (rc) return rc;
    static const char *const names[] = { "contract_id", "state", "customer_id", "customer", "site", "cell", "bank" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 7; c++) render_set(page_r(req), db_cell(res, i, c), "Found.%d.%s", i, names[c]);
    render_set(page_r(req), "1", "Searched");
    return DB_OK;
}

static int new_page(web_req_t *req) { return page_render(req, "backoffice/visit_new.cs") ? 500 : 0; }

int bo_visit_new(web_req_t *req)
{
    const char *contract = web_query_given(req, "contract"), *q = web_query_given(req, "q");
    if (contract) {
        int64_t site_id;
        int rc = load_contract(req, web_id(contract), &site_id);
        if (rc) return rc;
        return new_page(req);
    }
    if (q) {
        render_set(page_r(req), q, "Search.q");
        if (strlen(q) > SEARCH_TEXT_MAX * 4) {
            bo_form_error(req, &(inv_error_t){ "customer", "too_long" });
            return new_page(req);
        }
        int rc = search_contracts(req, q);
        if (rc) return page_db_fail(req, rc);
    }
    return new_page(req);
}

/* ---------- check-in ---------- */

/* How identity is proven at the door.  Each verifier fills the proof
 * part of v from what it trusts.  A fingerprint is proven by fingerd: the
 * match id the form names must be one the site's reader made just now
 * for this contract's customer (bo_fp_confirm_match); lib/visit then
 * records one visit per match.  A reference typed into a form is never
 * proof.  An override is proven by a reason and a second person: another
 * user who may approve overrides, with their password. */
typedef int (*verify_fn)(web_req_t *req, visit_start_t *v, inv_error_t *err);

/* The approver named on the form: known, active, the right password (the
 * throttled check of a log-in), allowed to approve, not the clerk, and
 * seeing the site.  0 with *id, or -1 with err. */
static int override_approver(web_req_t *req, int64_t site_id, int64_t *id, inv_error_t *err)
{
    const char *username = web_form_trimmed(req, "approver"), *password = web_form(req, "approver_password");
    *err = (inv_error_t){ "approver", "override_approval" };
    if (!*username || !password || !*password) return -1;
    auth_policy_t pol;
    auth_policy_from_config(req->w->cfg, &pol);
    const char *role = NULL;
    int rc = auth_confirm(page_db(req), req->arena, &pol, username, password, req->remote_addr, id, &role);
    const char *why = rc == AUTH_THROTTLED ? "throttled" : rc != AUTH_OK ? "credentials" : NULL;
    if (!why && *id == staff_user(req)->id) why = "same_person";
    if (!why && !auth_role_can(role, "visits.override_approve")) why = "role";
    if (!why) {
        db_res_t *res;
        if (db_query(page_db(req), req->arena, &res,
                     "SELECT 1 FROM staff_users u WHERE u.id = ? AND (u.all_sites = 1 OR EXISTS"
                     " (SELECT 1 FROM staff_user_sites us WHERE us.user_id = u.id AND us.site_id = ?))",
                     "ii", *id, site_id) != DB_OK)
            return *err = (inv_error_t){ "approver", "approver_unavailable" }, -1;
        if (res->nrows != 1) why = "site";
    }
    if (!why) return 0;
    /* Every refused approval is kept: who asked, whom they named, why. */
    audit_actor_t who = staff_actor(req);
    json_t *d = json_pack("{s:s, s:s}", "approver", username, "why", why);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    audit_write(page_db(req), &who, "visit.override_refused", "site", site_id, site_id, text ? text : "{}");
    free(text);
    if (rc == AUTH_THROTTLED) err->code = "approver_throttled";
    else if (!strcmp(why, "same_person")) err->code = "approver_same";
    else if (!strcmp(why, "role") || !strcmp(why, "site")) err->code = "approver_role";
    *id = 0;
    return -1;
}

static int verify_override(web_req_t *req, visit_start_t *v, inv_error_t *err)
{
    v->verified_by = "staff_override";
    v->override_reason = web_form_trimmed(req, "override_reason");
    v->verification_ref = NULL;
    if (visit_validate_start(&(visit_start_t){ .verified_by = v->verified_by, .override_reason = v->override_reason },
                             err) != 0)
        return -1;
    if (override_approver(req, v->site_id, &v->override_approved_by, err) != 0) return -1;
    return visit_validate_start(v, err);
}

static int verify_fingerprint(web_req_t *req, visit_start_t *v, inv_error_t *err)
{
    db_res_t *res;
    if (db_query(page_db(req), req->arena, &res, "SELECT customer_id FROM contracts WHERE id = ?", "i",
                 v->contract_id) != DB_OK || res->nrows != 1) {
        *err = (inv_error_t){ "contract_id", "not_found" };
        return -1;
    }
    const char *match_id = web_form_trimmed(req, "match_id");
    if (bo_fp_confirm_match(req, v->site_id, db_cell_int(res, 0, 0), match_id, err) != 0) return -1;
    v->verified_by = "fingerprint";
    v->verification_ref = match_id;
    v->override_reason = NULL;
    return visit_validate_start(v, err);
}

static const struct { const char *name; verify_fn fn; } verifiers[] = {
    { "staff_override", verify_override },
    { "fingerprint", verify_fingerprint },
};

/* The check-in screen again, with the refusal and what was typed. */
static int check_in_refused(web_req_t *req, int64_t contract_id, const inv_error_t *err)
{
    int64_t site_id;
    int rc = load_contract(req, contract_id, &site_id);
    if (rc) return rc;
    render_set(page_r(req), web_form_trimmed(req, "override_reason"), "Form.override_reason");
    render_set(page_r(req), web_form_trimmed(req, "approver"), "Form.approver");
    bo_form_error(req, err);
    return new_page(req);
}

int bo_visit_create(web_req_t *req)
{
    int64_t contract_id = web_id(web_form_trimmed(req, "contract_id"));
    db_res_t *res;
    int rc = contract_id ? db_query(page_db(req), req->arena, &res, "SELECT site_id FROM contracts WHERE id = ?", "i",
                                    contract_id) : DB_OK;
    if (rc) return page_db_fail(req, rc);
    int64_t site_id = contract_id && res->nrows == 1 ? db_cell_int(res, 0, 0) : 0;
    if ((rc = staff_check_site(req, site_id)) != 0) return rc;

    const char *by = web_form_trimmed(req, "verified_by");
    if (!*by) by = "staff_override";
    visit_start_t v = { .site_id = site_id, .contract_id = contract_id, .staff_user_id = staff_user(req)->id };
    inv_error_t err = { 0 };
    verify_fn fn = NULL;
    for (size_t i = 0; i < sizeof verifiers / sizeof verifiers[0]; i++)
        if (!strcmp(by, verifiers[i].name)) fn = verifiers[i].fn;
    if (!fn) return check_in_refused(req, contract_id, &(inv_error_t){ "verified_by", "invalid" });
    if (fn(req, &v, &err) != 0) return check_in_refused(req, contract_id, &err);

    audit_actor_t who = staff_actor(req);
    int64_t id = 0;
    rc = visit_check_in(page_db(req), &who, &v, &id, &err);
    if (rc == VISIT_NOT_FOUND) return web_fail(req, 404, "not_found", NULL);
    if (rc == VISIT_REFUSED) return check_in_refused(req, contract_id, &err);
    if (rc != DB_OK) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/visits?site=%lld&done=visit_checked_in",
                                          (long long)site_id));
}

/* ---------- check-out ---------- */

int bo_visit_checkout(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site_id = id > 0 ? visit_site(page_db(req), req->arena, id) : 0;
    if (!site_id) return web_fail(req, 404, "not_found", NULL);
    int rc = staff_check_site(req, site_id);
    if (rc) return rc;
    audit_actor_t who = staff_actor(req);
    inv_error_t err = { 0 };
    rc = visit_check_out(page_db(req), &who, id, staff_user(req)->id, &err);
    if (rc == VISIT_NOT_FOUND) return web_fail(req, 404, "not_found", NULL);
    if (rc == VISIT_REFUSED) {
        /* Checked out already (two clerks, a double click): say so on
         * the list, which shows the visit closed. */
        bo_form_error(req, &err);
        web_set_status(req, 409);
        return bo_visits(req);
    }
    if (rc != DB_OK) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/visits?site=%lld&done=visit_checked_out",
                                          (long long)site_id));
}
