/* The vault part of the JSON API: customers, their accounts (balance,
 * statement, payments), contracts and visits.  Same conventions as
 * api.c: every object is scoped to the sites the key can see (another
 * site's id answers 404 exactly like a missing one), writes need a key
 * that may write, every error is a problem document.  The work is done
 * by lib/customer, lib/ledger (payments through lib/payment, with their
 * receipts), lib/contract and lib/visit; this file only
 * turns requests into their calls and their results into JSON.
 *
 * Money goes out as integer minor units (amount_minor) with the currency,
 * and as a decimal string (amount) for people; never as a JSON number
 * with a fraction.
 *
 * Writes that create money or contracts take an Idempotency-Key header,
 * namespaced per API key so two integrations cannot collide: payments
 * use it as the ledger's idempotency key; contracts claim it in
 * api_idempotency in the same transaction as the contract. */
#include "api.h"
#include "db.h"
#include "json.h"
#include "customer.h"
#include "contract.h"
#include "ledger.h"
#include "fingerc.h"
#include "payment.h"
#include "money.h"
#include "visit.h"
#include "validate.h"
#include "secret.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists page with limit (1..LIST_MAX, LIST_DEFAULT when absent) and offset. */
#define LIST_DEFAULT 50
#define LIST_MAX 500
#define OFFSET_MAX 10000000

/* The client's part of a namespaced idempotency key: "api:<key id>:c:"
 * takes at most 25 bytes and lib/contract keeps 100. */
#define IDEM_MAX 64

/* The largest single payment taken (minor units): far above any real
 * one, and far enough below INT64_MAX that balances cannot overflow. */
#define AMOUNT_MAX 1000000000000000LL

/* "the key's sites" as SQL over a site_id column: bind "Ii" all_sites, key id. */
#define VISIBLE(col) "(? = 1 OR " col " IN (SELECT site_id FROM api_key_sites WHERE key_id = ?))"

#define VISIBLE_ARGS(k) (k)->all_sites, (k)->id

static int read_only(web_req_t *r)
{
    return api_problem(r, 403, "forbidden", "This key may only read.");
}

/* ---------- query parameters ---------- */

/* Each returns 0, or sends 422 naming the parameter and returns -1. */

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s) return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10) return -1;
        v = v * 10 + (*p - '0');
    }
    if (v < min || v > max) return -1;
    *out = v;
    return 0;
}

static int q_id(web_req_t *r, const char *name, int64_t *out)
{
    const char *s = web_query(r, name);
    *out = 0;
    if (!s || !*s) return 0;
    if (parse_i64(s, 1, INT64_MAX, out) != 0) { api_invalid(r, name, "wrong_type"); return -1; }
    return 0;
}

static int q_int(web_req_t *r, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *s = web_query(r, name);
    *out = def;
    if (!s || !*s) return 0;
    if (parse_i64(s, 0, INT64_MAX, out) != 0) { api_invalid(r, name, "wrong_type"); return -1; }
    if (*out < min || *out > max) { api_invalid(r, name, "out_of_range"); return -1; }
    return 0;
}

static int q_date(web_req_t *r, const char *name, const char **out)
{
    const char *s = web_query(r, name);
    *out = NULL;
    if (!s || !*s) return 0;
    if (!validate_date(s)) { api_invalid(r, name, "bad_date"); return -1; }
    *out = s;
    return 0;
}

static int q_page(web_req_t *r, int64_t *limit, int64_t *offset)
{
    if (q_int(r, "limit", LIST_DEFAULT, 1, LIST_MAX, limit) != 0) return -1;
    return q_int(r, "offset", 0, 0, OFFSET_MAX, offset);
}

/* An optional filter naming a site: 0 when absent, -1 (404 sent) when the
 * key cannot see it. */
static int q_site(web_req_t *r, int64_t *site)
{
    if (q_id(r, "site_id", site) != 0) return -1;
    if (*site && !apikey_can_see_site(api_key(r), *site)) { api_not_found(r); return -1; }
    return 0;
}

/* ---------- request members ---------- */

/* An id member (a JSON integer >= 1); 0 when absent and optional. */
static int get_id(const json_t *o, const char *name, int required, int64_t *out, const char **why)
{
    json_t *v = json_object_get(o, name);
    *out = 0;
    if (!v || json_is_null(v)) { if (!required) return 0; *why = "required"; return -1; }
    if (!json_is_integer(v)) { *why = "wrong_type"; return -1; }
    if (json_integer_value(v) < 1) { *why = "out_of_range"; return -1; }
    *out = json_integer_value(v);
    return 0;
}

static int refuse(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

/* Reads one member; a wrong one answers 422 naming it and ends the handler. */
#define TAKE(field, call) \
    do { if ((call) != 0) { json_decref(body); return api_invalid(r, (field), why); } } while (0)

/* The Idempotency-Key header namespaced for this key ("api:<key id>:<infix><key>"),
 * or NULL with a 400 problem sent. */
static const char *idem_key(web_req_t *r, const char *infix)
{
    const char *h = web_env(r, "HTTP_IDEMPOTENCY_KEY");
    if (!h || !*h) {
        api_problem(r, 400, "idempotency_key_missing",
                    "Send an Idempotency-Key header (a unique text per operation, reused only to retry it).");
        return NULL;
    }
    size_t n = strlen(h);
    int ok = n <= IDEM_MAX;
    for (const unsigned char *p = (const unsigned char *)h; ok && *p; p++) ok = *p > 0x20 && *p < 0x7f;
    if (!ok) {
        api_problem(r, 400, "bad_idempotency_key",
                    "The Idempotency-Key header must be 1 to 64 printable ASCII characters without spaces.");
        return NULL;
    }
    return arena_printf(r->arena, "api:%lld:%s%s", (long long)api_key(r)->id, infix, h);
}

/* ---------- money ---------- */

static json_t *money_json(web_req_t *r, int64_t minor, const char *currency)
{
    char buf[48];
    return json_pack("{s:I, s:s, s:s}", "amount_minor", (json_int_t)minor,
                     "amount", money_plain(minor, currency, buf, sizeof buf), "currency", currency);
}

/* The customer's balance: > 0 due (the customer owes), < 0 credit. */
static int balance_json(web_req_t *r, int64_t customer, const char *currency, json_t **out)
{
    int64_t bal = 0;
    int rc = ledger_balance(r->w->db, r->arena, customer, &bal);
    if (rc) return rc;
    json_t *o = money_json(r, bal, currency);
    json_object_set_new(o, "status", json_string(bal > 0 ? "due" : bal < 0 ? "credit" : "settled"));
    *out = o;
    return DB_OK;
}

/* ---------- customers ---------- */

#define CUST_COLS "SELECT c.id, c.site_id, c.full_name, c.date_of_birth, c.doc_type, c.doc_number, c.doc_expiry," \
                  " c.address, c.phone, c.email, c.nominee_name, c.nominee_relation, c.nominee_phone," \
                  " c.co_holder_name, c.language, c.payment_preference, c.notes, c.source," \
                  " c.photo_file IS NOT NULL AS has_photo, c.created_at, c.updated_at, c.notify_sms, c.notify_email," \
                  " c.notify_optout, s.currency FROM customers c JOIN sites s ON s.id = c.site_id"
#define CUST_TYPES "iisssss" "sss" "ssss" "ssss" "b" "tt" "bbb" "-"
#define CUST_CURRENCY 24

/* A customer the key can see: its row (CUST_COLS) or NULL with 404 sent. */
static db_res_t *visible_customer(web_req_t *r, int64_t id)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, CUST_COLS " WHERE c.id = ?", "i", id);
    if (rc) { api_db_failed(r, rc); return NULL; }
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 1))) { api_not_found(r); return NULL; }
    return res;
}

int api_customers_list(web_req_t *r)
{
    const apikey_t *k = api_key(r);
    int64_t site, limit, offset;
    if (q_site(r, &site) != 0 || q_page(r, &limit, &offset) != 0) return 0;
    const char *q = web_query(r, "q");
    if (q && strlen(q) > 160) return api_invalid(r, "q", "too_long");
    /* The search text is matched literally. */
    const char *like = db_like_pattern(r->arena, q ? q : "", 1);
    if (!like) return api_problem(r, 500, "no_memory", NULL);
    const char *where = " WHERE " VISIBLE("c.site_id") " AND (? = 0 OR c.site_id = ?)"
                        " AND (c.full_name LIKE ?" DB_LIKE_ESCAPE " OR c.phone LIKE ?" DB_LIKE_ESCAPE
                        " OR c.email LIKE ?" DB_LIKE_ESCAPE " OR c.doc_number LIKE ?" DB_LIKE_ESCAPE ")";
    db_res_t *res, *total;
    int rc = db_query(r->w->db, r->arena, &total, arena_printf(r->arena, "SELECT COUNT(*) FROM customers c%s", where),
                      "Iiiissss", VISIBLE_ARGS(k), site, site, like, like, like, like);
    if (!rc) rc = db_query(r->w->db, r->arena, &res,
                           arena_printf(r->arena, CUST_COLS "%s ORDER BY c.full_name, c.id LIMIT ? OFFSET ?", where),
                           "Iiiissssii", VISIBLE_ARGS(k), site, site, like, like, like, like, limit, offset);
    if (rc) return api_db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o, s:I, s:I, s:I}", "customers", json_rows(res, CUST_TYPES),
                                       "total", (json_int_t)db_cell_int(total, 0, 0), "limit", (json_int_t)limit,
                                       "offset", (json_int_t)offset));
}

static int send_customer(web_req_t *r, int64_t id, int status)
{
    db_res_t *res = visible_customer(r, id), *contracts;
    if (!res) return 0;
    json_t *bal = NULL;
    int rc = balance_json(r, id, db_cell(res, 0, CUST_CURRENCY), &bal);
    if (!rc) rc = db_query(r->w->db, r->arena, &contracts, "SELECT id FROM contracts WHERE customer_id = ? ORDER BY id",
                           "i", id);
    if (rc) { json_decref(bal); return api_db_failed(r, rc); }
    json_t *o = json_row(res, 0, CUST_TYPES);
    json_object_set_new(o, "balance", bal);
    json_t *ids = json_array();
    for (int i = 0; i < contracts->nrows; i++) json_array_append_new(ids, json_integer(db_cell_int(contracts, i, 0)));
    json_object_set_new(o, "contract_ids", ids);
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/customers/%lld", (long long)id));
    return json_send(r, status, o);
}

int api_customer_get(web_req_t *r) { return send_customer(r, web_param_id(r, 0), 200); }

/* The profile members a request may carry, where they go in customer_t
 * and whether creating a customer needs them. */
static const struct { const char *name; size_t off; int required; } members[] = {
    { "full_name", offsetof(customer_t, full_name), 1 },
    { "date_of_birth", offsetof(customer_t, date_of_birth), 1 },
    { "doc_type", offsetof(customer_t, doc_type), 1 },
    { "doc_number", offsetof(customer_t, doc_number), 1 },
    { "doc_expiry", offsetof(customer_t, doc_expiry), 1 },
    { "address", offsetof(customer_t, address), 0 },
    { "phone", offsetof(customer_t, phone), 0 },
    { "email", offsetof(customer_t, email), 0 },
    { "nominee_name", offsetof(customer_t, nominee_name), 0 },
    { "nominee_relation", offsetof(customer_t, nominee_relation), 0 },
    { "nominee_phone", offsetof(customer_t, nominee_phone), 0 },
    { "co_holder_name", offsetof(customer_t, co_holder_name), 0 },
    { "language", offsetof(customer_t, language), 0 },
    { "payment_preference", offsetof(customer_t, payment_preference), 0 },
    { "notes", offsetof(customer_t, notes), 0 },
};
#define NMEMBERS (sizeof members / sizeof members[0])

/* The message preferences (lib/notice): JSON booleans, each defaulting
 * to what c holds. */
static int take_notify(const json_t *body, customer_t *c, const char **field, const char **why)
{
    static const struct { const char *name; size_t off; } flags[] = {
        { "notify_sms", offsetof(customer_t, notify_sms) },
        { "notify_email", offsetof(customer_t, notify_email) },
        { "notify_optout", offsetof(customer_t, notify_optout) },
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        int *slot = (int *)((char *)c + flags[i].off);
        if (!json_object_get(body, flags[i].name)) continue;
        c->notify_given = 1;
        if (json_get_bool(body, flags[i].name, *slot, slot, why) != 0) { *field = flags[i].name; return -1; }
    }
    return 0;
}

int api_customer_create(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *why = NULL, *field = NULL;
    customer_t c = { .notify_sms = 1, .notify_email = 1 };
    TAKE("site_id", get_id(body, "site_id", 1, &c.site_id, &why));
    for (size_t i = 0; i < NMEMBERS; i++) {
        const char **slot = (const char **)((char *)&c + members[i].off);
        TAKE(members[i].name, json_get_string(body, members[i].name, members[i].required, "", r->arena, slot, &why));
    }
    if (take_notify(body, &c, &field, &why) != 0) TAKE(field, -1);
    json_decref(body);

    /* Scope first: a site the key cannot see is one that does not exist. */
    if (!apikey_can_see_site(api_key(r), c.site_id)) return api_not_found(r);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT mod_vault FROM sites WHERE id = ?", "i", c.site_id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1) return api_not_found(r);
    if (!db_cell_int(res, 0, 0))
        return api_problem_at(r, 422, "validation_failed", "site_id: The site does not run the vault module.",
                              "site_id", "vault_off");
    inv_error_t err = { 0 };
    int64_t id = 0;
    audit_actor_t who = api_actor(r);
    rc = customer_create(r->w->db, &who, &c, "api", &id, &err);
    if (rc == DB_ERR_DUP)
        return api_problem_at(r, 409, "conflict", "A customer with this document is already registered at the site.",
                              "doc_number", "doc_taken");
    if (rc == DB_ERR && err.code) return api_invalid(r, err.field, err.code);
    if (rc) return api_db_failed(r, rc);
    return send_customer(r, id, 201);
}

/* PATCH: the members sent replace the customer's, the rest stay.  The
 * whole profile is checked again, as the back office's edit does. */
int api_customer_update(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    int64_t id = web_param_id(r, 0);
    db_res_t *cur = visible_customer(r, id);
    if (!cur) return 0;
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *why = NULL, *field = NULL;
    customer_t c = { .site_id = db_cell_int(cur, 0, 1) };
    for (size_t i = 0; i < NMEMBERS; i++) {
        const char **slot = (const char **)((char *)&c + members[i].off);
        /* Column i + 2 of CUST_COLS is member i. */
        const char *now = db_cell(cur, 0, (int)i + 2);
        TAKE(members[i].name, json_get_string(body, members[i].name, 0, now ? now : "", r->arena, slot, &why));
    }
    c.notify_sms = (int)db_cell_int(cur, 0, 21);      /* the flags follow updated_at in CUST_COLS */
    c.notify_email = (int)db_cell_int(cur, 0, 22);
    c.notify_optout = (int)db_cell_int(cur, 0, 23);
    if (take_notify(body, &c, &field, &why) != 0) TAKE(field, -1);
    const char *unknown = NULL, *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        int known = !strcmp(key, "notify_sms") || !strcmp(key, "notify_email") || !strcmp(key, "notify_optout");
        for (size_t i = 0; !known && i < NMEMBERS; i++) known = !strcmp(key, members[i].name);
        if (!known && !unknown) unknown = arena_strdup(r->arena, key);
    }
    json_decref(body);
    /* A member that cannot be changed here (site_id, source, ...) or
     * does not exist is refused rather than silently ignored. */
    if (unknown) return api_invalid(r, unknown, "not_allowed");
    inv_error_t err = { 0 };
    audit_actor_t who = api_actor(r);
    int rc = customer_update(r->w->db, &who, id, &c, &err);
    if (rc == DB_ERR_DUP)
        return api_problem_at(r, 409, "conflict", "A customer with this document is already registered at the site.",
                              "doc_number", "doc_taken");
    if (rc == DB_ERR && err.code) return api_invalid(r, err.field, err.code);
    if (rc) return api_db_failed(r, rc);
    return send_customer(r, id, 200);
}

int api_customer_balance(web_req_t *r)
{
    int64_t id = web_param_id(r, 0);
    db_res_t *res = visible_customer(r, id);
    if (!res) return 0;
    json_t *bal;
    int rc = balance_json(r, id, db_cell(res, 0, CUST_CURRENCY), &bal);
    if (rc) return api_db_failed(r, rc);
    json_object_set_new(bal, "customer_id", json_integer(id));
    return json_send(r, 200, bal);
}

static json_t *null_or_int(int64_t v) { return v ? json_integer(v) : json_null(); }
static json_t *null_or_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

int api_customer_statement(web_req_t *r)
{
    int64_t id = web_param_id(r, 0);
    db_res_t *res = visible_customer(r, id);
    if (!res) return 0;
    const char *from, *to;
    if (q_date(r, "from", &from) != 0 || q_date(r, "to", &to) != 0) return 0;
    if (from && to && strcmp(from, to) > 0) return api_invalid(r, "to", "out_of_range");
    ledger_statement_t st = { 0 };
    int rc = ledger_statement(r->w->db, r->arena, id, from, to, &st);
    if (rc) return api_db_failed(r, rc);
    const char *cur = st.currency && *st.currency ? st.currency : db_cell(res, 0, CUST_CURRENCY);
    json_t *lines = json_array();
    for (int i = 0; i < st.nlines; i++) {
        const ledger_stmt_line_t *l = &st.lines[i];
        json_array_append_new(lines, json_pack("{s:I, s:s?, s:o, s:s?, s:o, s:s, s:s, s:o, s:I, s:I, s:o, s:o}",
            "journal_id", (json_int_t)l->journal_id, "value_date", l->value_date,
            "posted_at", null_or_str(l->posted_at), "kind", l->kind, "method", null_or_str(l->method),
            "reference", l->reference ? l->reference : "", "memo", l->memo ? l->memo : "",
            "document", null_or_str(l->document), "amount_minor", (json_int_t)l->amount,
            "running_minor", (json_int_t)l->running, "reverses_id", null_or_int(l->reverses_id),
            "reversed_by", null_or_int(l->reversed_by)));
    }
    return json_send(r, 200, json_pack("{s:I, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:o}",
        "customer_id", (json_int_t)id, "currency", cur, "from", null_or_str(from), "to", null_or_str(to),
        "opening_minor", (json_int_t)st.opening, "closing_minor", (json_int_t)st.closing,
        "debits_minor", (json_int_t)st.debits, "credits_minor", (json_int_t)st.credits, "lines", lines));
}

/* ---------- payments ---------- */

#define JOURNAL_COLS "SELECT j.id, j.site_id, j.customer_id, j.contract_id, j.kind, j.amount AS amount_minor," \
                     " j.currency, j.method, j.reference, j.value_date AS received_on, j.posted_at," \
                     " (SELECT x.id FROM ledger_journals x WHERE x.reverses_id = j.id) AS reversed_by," \
                     " j.doc_series, j.doc_number FROM ledger_journals j"
#define JOURNAL_TYPES "iiiisi" "sss" "s" "t" "i"

static json_t *journal_json(web_req_t *r, const db_res_t *res, int row)
{
    json_t *o = json_row(res, row, JOURNAL_TYPES);
    char buf[48];
    json_object_set_new(o, "amount", json_string(money_plain(db_cell_int(res, row, 5), db_cell(res, row, 6),
                                                             buf, sizeof buf)));
    const char *series = db_cell(res, row, 12);
    json_object_set_new(o, "document", series && db_cell_int(res, row, 13)
                        ? json_string(ledger_doc_label(r->arena, series, db_cell_int(res, row, 13))) : json_null());
    return o;
}

int api_customer_payments(web_req_t *r)
{
    int64_t id = web_param_id(r, 0), limit, offset;
    if (!visible_customer(r, id)) return 0;
    if (q_page(r, &limit, &offset) != 0) return 0;
    db_res_t *res, *total;
    int rc = db_query(r->w->db, r->arena, &total,
                      "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = ? AND kind = 'payment'", "i", id);
    if (!rc) rc = db_query(r->w->db, r->arena, &res, JOURNAL_COLS " WHERE j.customer_id = ? AND j.kind = 'payment'"
                           " ORDER BY j.id DESC LIMIT ? OFFSET ?", "iii", id, limit, offset);
    if (rc) return api_db_failed(r, rc);
    json_t *a = json_array();
    for (int i = 0; i < res->nrows; i++) json_array_append_new(a, journal_json(r, res, i));
    return json_send(r, 200, json_pack("{s:o, s:I, s:I, s:I}", "payments", a, "total",
                                       (json_int_t)db_cell_int(total, 0, 0), "limit", (json_int_t)limit,
                                       "offset", (json_int_t)offset));
}

int api_payment_create(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    const char *key = idem_key(r, "");
    if (!key) return 0;
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *why = NULL, *method, *reference, *received_on, *amount_text;
    int64_t customer;
    TAKE("customer_id", get_id(body, "customer_id", 1, &customer, &why));
    json_t *minor = json_object_get(body, "amount_minor");
    if (minor && json_is_null(minor)) minor = NULL;
    TAKE("amount", json_get_string(body, "amount", 0, NULL, r->arena, &amount_text, &why));
    if (minor && amount_text) {
        json_decref(body);
        return api_problem_at(r, 422, "validation_failed", "Give either amount_minor or amount, not both.",
                              "amount", "ambiguous");
    }
    if (!minor && !amount_text) TAKE("amount_minor", refuse(&why, "required"));
    if (minor && !json_is_integer(minor)) TAKE("amount_minor", refuse(&why, "wrong_type"));
    TAKE("method", json_get_string(body, "method", 1, NULL, r->arena, &method, &why));
    TAKE("reference", json_get_string(body, "reference", 0, "", r->arena, &reference, &why));
    TAKE("received_on", json_get_string(body, "received_on", 0, NULL, r->arena, &received_on, &why));
    int64_t amount = minor ? json_integer_value(minor) : 0;
    json_decref(body);

    db_res_t *cust = visible_customer(r, customer);
    if (!cust) return 0;
    const char *currency = db_cell(cust, 0, CUST_CURRENCY);
    const char *amount_field = minor ? "amount_minor" : "amount";
    if (amount_text && money_parse(amount_text, currency, 0, &amount) != 0)
        return api_invalid(r, "amount", "bad_amount");
    if (amount <= 0 || amount > AMOUNT_MAX) return api_invalid(r, amount_field, "out_of_range");
    if (received_on && *received_on && !validate_date(received_on)) return api_invalid(r, "received_on", "bad_date");
    if (received_on && !*received_on) received_on = NULL;

    audit_actor_t who = api_actor(r);
    ledger_posted_t out = { 0 };
    ledger_err_t err = { 0 };
    int rc = payment_record(r->w->db, api_notices(r), &who, db_cell_int(cust, 0, 1), customer, amount, method,
                            reference, received_on, key, &out, &err);
    if (rc == LEDGER_INVALID) {
        /* The ledger names its own members; answer with the request's. */
        const char *field = err.field ? err.field : "amount";
        if (!strcmp(field, "amount")) field = amount_field;
        else if (!strcmp(field, "value_date")) field = "received_on";
        return api_invalid(r, field, err.code ? err.code : "invalid");
    }
    if (rc == LEDGER_NOT_FOUND) return api_not_found(r);
    if (rc == LEDGER_CONFLICT && err.code && !strcmp(err.code, "key_reused"))
        return api_problem(r, 409, "idempotency_key_reused",
                           "This Idempotency-Key was used before for a different payment.");
    if (rc == LEDGER_CONFLICT) return api_problem(r, 409, "conflict", NULL);
    if (rc < 0) return api_db_failed(r, rc);
    db_res_t *res;
    int qrc = db_query(r->w->db, r->arena, &res, JOURNAL_COLS " WHERE j.id = ?", "i", out.journal_id);
    if (qrc) return api_db_failed(r, qrc);
    if (res->nrows != 1) return api_problem(r, 500, "internal", NULL);
    /* A replay answers with what the first request made, but only when it
     * asked for the same thing: otherwise the key was reused by mistake. */
    if (rc == LEDGER_REPLAYED && (strcmp(db_cell(res, 0, 4), "payment") != 0 || db_cell_int(res, 0, 2) != customer ||
                                  db_cell_int(res, 0, 5) != amount))
        return api_problem(r, 409, "idempotency_key_reused",
                           "This Idempotency-Key was used before for a different payment.");
    return json_send(r, rc == LEDGER_REPLAYED ? 200 : 201, journal_json(r, res, 0));
}

/* ---------- contracts ---------- */

#define CONTRACT_COLS "SELECT c.id, c.site_id, c.customer_id, c.cell_id, cl.label AS cell_label," \
                      " cl.size_class AS size, c.plan_id, c.period, c.price AS price_minor," \
                      " c.deposit AS deposit_minor, c.currency, c.starts_on, c.ends_on, c.state, c.state_reason," \
                      " c.created_at, c.updated_at, c.closed_at FROM contracts c JOIN cells cl ON cl.id = c.cell_id"
#define CONTRACT_TYPES "iiiiss" "isii" "s" "ssss" "ttt"

static const char *const contract_states[] = { "active", "suspended", "closing", "closed", NULL };

static int one_of(const char *s, const char *const *set)
{
    for (; *set; set++) if (!strcmp(s, *set)) return 1;
    return 0;
}

int api_contracts_list(web_req_t *r)
{
    const apikey_t *k = api_key(r);
    int64_t site, customer, limit, offset;
    if (q_site(r, &site) != 0 || q_id(r, "customer_id", &customer) != 0 || q_page(r, &limit, &offset) != 0) return 0;
    const char *state = web_query(r, "state");
    if (state && !*state) state = NULL;
    if (state && !one_of(state, contract_states)) return api_invalid(r, "state", "invalid");
    if (customer && !visible_customer(r, customer)) return 0;
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, CONTRACT_COLS " WHERE " VISIBLE("c.site_id")
                      " AND (? = 0 OR c.site_id = ?) AND (? = 0 OR c.customer_id = ?) AND (? IS NULL OR c.state = ?)"
                      " ORDER BY c.id LIMIT ? OFFSET ?", "Iiiiiissii", VISIBLE_ARGS(k), site, site, customer,
                      customer, state, state, limit, offset);
    if (rc) return api_db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o, s:I, s:I}", "contracts", json_rows(res, CONTRACT_TYPES),
                                       "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

static int send_contract(web_req_t *r, int64_t id, int status)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, CONTRACT_COLS " WHERE c.id = ?", "i", id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 1))) return api_not_found(r);
    int64_t held = 0;
    if ((rc = ledger_deposit_held(r->w->db, r->arena, id, &held)) != 0) return api_db_failed(r, rc);
    json_t *o = json_row(res, 0, CONTRACT_TYPES);
    json_object_set_new(o, "deposit_held_minor", json_integer(held));
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/contracts/%lld", (long long)id));
    return json_send(r, status, o);
}

int api_contract_get(web_req_t *r) { return send_contract(r, web_param_id(r, 0), 200); }

/* The members that make a contract request what it is, hashed: a replay
 * must ask for the same thing. */
static void request_hash(char out[SECRET_HASH_HEX], arena_t *a, const contract_new_t *c)
{
    const char *text = arena_printf(a, "%lld\n%lld\n%s\n%s\n%s\n%s", (long long)c->customer_id,
                                    (long long)c->cell_id, c->min_size ? c->min_size : "",
                                    c->features ? c->features : "", c->period ? c->period : "",
                                    c->starts_on ? c->starts_on : "");
    uint8_t h[SECRET_HASH_LEN];
    secret_hash(h, text, strlen(text), NULL, 0);
    secret_hex(out, h, sizeof h);
}

static int contract_failed(web_req_t *r, const inv_error_t *err, int rc)
{
    if (err->code && !strcmp(err->code, "cell_taken"))
        return api_problem_at(r, 409, "conflict", "The cell was let to someone else.",
                              err->field ? err->field : "cell_id",
                              "cell_taken");
    if (!err->code && rc == DB_ERR_DUP)    /* the open-cell key: the last guard against double letting */
        return api_problem_at(r, 409, "conflict", "The cell was let to someone else.", "cell_id", "cell_taken");
    if (err->code && !strcmp(err->code, "not_found")) return api_not_found(r);
    if (err->code && rc != DB_ERR_GONE && rc != DB_ERR_RETRY)
        return api_invalid(r, err->field ? err->field : "cell_id", err->code);
    return api_db_failed(r, rc);
}

/* The contract an earlier request with this key made, or a 409 when the
 * key came with a different request. */
static int contract_replay(web_req_t *r, const char *key, const char *hash)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT request_hash, object_id FROM api_idempotency"
                      " WHERE key_id = ? AND operation = 'contract.create' AND idem_key = ?",
                      "is", api_key(r)->id, key);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1) return api_problem(r, 503, "database_busy", "The database was busy; send the request again.");
    if (strcmp(db_cell(res, 0, 0), hash) != 0)
        return api_problem(r, 409, "idempotency_key_reused",
                           "This Idempotency-Key was used before for a different contract.");
    return send_contract(r, db_cell_int(res, 0, 1), 200);
}

int api_contract_create(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    const char *client_key = web_env(r, "HTTP_IDEMPOTENCY_KEY");
    const char *ledger_key = idem_key(r, "c:");     /* the deposit's posting: apart from payments' keys */
    if (!ledger_key) return 0;
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *why = NULL;
    contract_new_t c = { 0 };
    TAKE("customer_id", get_id(body, "customer_id", 1, &c.customer_id, &why));
    TAKE("cell_id", get_id(body, "cell_id", 0, &c.cell_id, &why));
    TAKE("size_class", json_get_string(body, "size_class", 0, NULL, r->arena, &c.min_size, &why));
    TAKE("features", json_get_csv(body, "features", 8, r->arena, &c.features, &why));
    TAKE("period", json_get_string(body, "period", 1, NULL, r->arena, &c.period, &why));
    TAKE("starts_on", json_get_string(body, "starts_on", 0, NULL, r->arena, &c.starts_on, &why));
    json_decref(body);
    if (!c.cell_id && (!c.min_size || !*c.min_size)) return api_invalid(r, "size_class", "required");
    if (c.starts_on && !*c.starts_on) c.starts_on = NULL;
    if (c.starts_on && !validate_date(c.starts_on)) return api_invalid(r, "starts_on", "bad_date");

    db_res_t *cust = visible_customer(r, c.customer_id);
    if (!cust) return 0;
    c.site_id = db_cell_int(cust, 0, 1);
    if (c.cell_id) {
        /* Another site's cell is one that does not exist. */
        db_res_t *cell;
        int rc = db_query(r->w->db, r->arena, &cell, "SELECT site_id FROM cells WHERE id = ?", "i", c.cell_id);
        if (rc) return api_db_failed(r, rc);
        if (cell->nrows != 1 || db_cell_int(cell, 0, 0) != c.site_id) return api_not_found(r);
    }
    c.idem_key = ledger_key;
    char hash[SECRET_HASH_HEX];
    request_hash(hash, r->arena, &c);

    db_t *db = r->w->db;
    audit_actor_t who = api_actor(r);
    int rc = DB_ERR;
    for (int attempt = 0; attempt < 3; attempt++) {
        if ((rc = db_begin(db)) != DB_OK) return api_db_failed(r, rc);
        /* Claiming the key first makes a concurrent twin wait here until
         * this transaction ends, then find the contract it made. */
        long n = db_exec(db, "INSERT INTO api_idempotency (key_id, operation, idem_key, request_hash)"
                         " VALUES (?, 'contract.create', ?, ?)", "iss", api_key(r)->id, client_key, hash);
        if (n == DB_ERR_DUP) { db_rollback(db); return contract_replay(r, client_key, hash); }
        if (n < 0) { db_rollback(db); rc = (int)n; if (rc == DB_ERR_RETRY) continue; return api_db_failed(r, rc); }
        inv_error_t err = { 0 };
        int64_t id = 0;
        rc = contract_create(db, &who, &c, &id, &err);
        if (rc == DB_ERR_DUP && err.code && !strcmp(err.code, CONTRACT_ALREADY_DONE)) {
            /* Made under this key before the key was claimed here: the same answer. */
            db_rollback(db);
            return send_contract(r, id, 200);
        }
        if (rc == DB_OK) {
            n = db_exec(db, "UPDATE api_idempotency SET object_id = ?"
                        " WHERE key_id = ? AND operation = 'contract.create'"
                        " AND idem_key = ?", "iis", id, api_key(r)->id, client_key);
            rc = n < 0 ? (int)n : db_commit(db);
            if (rc == DB_OK) return send_contract(r, id, 201);
        }
        db_rollback(db);
        if (rc == DB_ERR_RETRY) continue;
        return contract_failed(r, &err, rc);
    }
    return api_db_failed(r, rc);
}

/* ---------- visits ---------- */

#define VISIT_COLS "SELECT v.id, v.site_id, v.customer_id, v.contract_id, v.cell_id, v.checked_in_at," \
                   " v.checked_out_at, v.verified_by, v.override_reason, v.verification_ref, v.staff_user_id," \
                   " v.checkout_staff_id FROM visits v"
#define VISIT_TYPES "iiiii" "tt" "sss" "ii"

static int send_visit(web_req_t *r, int64_t id, int status)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, VISIT_COLS " WHERE v.id = ?", "i", id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 1))) return api_not_found(r);
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/visits/%lld", (long long)id));
    return json_send(r, status, json_row(res, 0, VISIT_TYPES));
}

int api_visits_list(web_req_t *r)
{
    const apikey_t *k = api_key(r);
    int64_t site, customer, cell, limit, offset;
    const char *from, *to;
    if (q_site(r, &site) != 0 || q_id(r, "customer_id", &customer) != 0 || q_id(r, "cell_id", &cell) != 0 ||
        q_date(r, "from", &from) != 0 || q_date(r, "to", &to) != 0 || q_page(r, &limit, &offset) != 0)
        return 0;
    if (from && to && strcmp(from, to) > 0) return api_invalid(r, "to", "out_of_range");
    if (customer && !visible_customer(r, customer)) return 0;
    if (cell) {
        db_res_t *c;
        int rc = db_query(r->w->db, r->arena, &c, "SELECT site_id FROM cells WHERE id = ?", "i", cell);
        if (rc) return api_db_failed(r, rc);
        if (c->nrows != 1 || !apikey_can_see_site(k, db_cell_int(c, 0, 0))) return api_not_found(r);
    }
    /* from and to are dates in each visit's site's time zone (UTC when the
     * server has no zone tables): the day's bounds are converted per row. */
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res,
        VISIT_COLS " JOIN sites s ON s.id = v.site_id WHERE " VISIBLE("v.site_id")
        " AND (? = 0 OR v.site_id = ?) AND (? = 0 OR v.customer_id = ?) AND (? = 0 OR v.cell_id = ?)"
        " AND (? IS NULL OR v.checked_in_at >= COALESCE(CONVERT_TZ(CAST(? AS DATETIME), s.time_zone, '+00:00'),"
        "      CAST(? AS DATETIME)))"
        " AND (? IS NULL OR v.checked_in_at < COALESCE(CONVERT_TZ(CAST(? AS DATETIME) + INTERVAL 1 DAY, s.time_zone,"
        "      '+00:00'), CAST(? AS DATETIME) + INTERVAL 1 DAY))"
        " ORDER BY v.checked_in_at DESC, v.id DESC LIMIT ? OFFSET ?",
        "Iiiiiiii" "sss" "sss" "ii", VISIBLE_ARGS(k), site, site, customer, customer, cell, cell,
        from, from, from, to, to, to, limit, offset);
    if (rc) return api_db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o, s:I, s:I}", "visits", json_rows(res, VISIT_TYPES),
                                       "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

static int visit_failed(web_req_t *r, const inv_error_t *err, int rc)
{
    if (!err->code || rc == DB_ERR_GONE || rc == DB_ERR_RETRY) return api_db_failed(r, rc);
    if (!strcmp(err->code, "contract_suspended"))
        return api_problem_at(r, 422, "contract_suspended", "The contract is suspended (arrears): settle it first.",
                              "contract_id", "contract_suspended");
    if (!strcmp(err->code, "contract_closed"))
        return api_problem_at(r, 422, "contract_closed", "The contract is closed.", "contract_id", "contract_closed");
    if (!strcmp(err->code, "visit_open"))
        return api_problem_at(r, 409, "visit_open", "A visit under this contract is already open.", "contract_id",
                              "visit_open");
    if (!strcmp(err->code, "not_found")) return api_not_found(r);
    if (!strcmp(err->code, "verification_used"))
        return api_problem_at(r, 409, "conflict", "This verification was used for another visit.", "verification_ref",
                              "verification_used");
    if (!strcmp(err->code, "visit_closed") || !strcmp(err->code, "already_out") || !strcmp(err->code, "checked_out"))
        return api_problem_at(r, 409, "conflict", "The visit is already closed.", "id", err->code);
    return api_invalid(r, err->field ? err->field : "contract_id", err->code);
}

int api_visit_create(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *why = NULL;
    visit_start_t v = { 0 };
    TAKE("contract_id", get_id(body, "contract_id", 1, &v.contract_id, &why));
    TAKE("verified_by", json_get_string(body, "verified_by", 1, NULL, r->arena, &v.verified_by, &why));
    TAKE("override_reason", json_get_string(body, "override_reason", 0, NULL, r->arena, &v.override_reason, &why));
    TAKE("verification_ref", json_get_string(body, "verification_ref", 0, NULL, r->arena, &v.verification_ref, &why));
    json_decref(body);
    if (v.verification_ref && !*v.verification_ref) v.verification_ref = NULL;
    /* An override proves nothing a retry could name. */
    if (!strcmp(v.verified_by, "staff_override")) v.verification_ref = NULL;
    inv_error_t err = { 0 };
    if (visit_validate_start(&v, &err) != 0) return api_invalid(r, err.field, err.code);

    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT site_id FROM contracts WHERE id = ?", "i", v.contract_id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 0))) return api_not_found(r);
    v.site_id = db_cell_int(res, 0, 0);
    /* A fingerprint visit is proven by the site's reader: the reference
     * must be a fresh match fingerd made of this contract's customer. */
    if (v.verification_ref) {
        rc = db_query(r->w->db, r->arena, &res,
                      "SELECT k.customer_id, EXISTS (SELECT 1 FROM visits WHERE verification_ref = ?)"
                      " FROM contracts k WHERE k.id = ?", "si", v.verification_ref, v.contract_id);
        if (rc) return api_db_failed(r, rc);
        /* A retry of a recorded visit is answered below even once the
         * match has expired. */
        int spent = res->nrows == 1 && db_cell_int(res, 0, 1);
        int yes = spent ? 1 : fingerc_vouches(r->w->cfg, v.site_id, res->nrows == 1 ? db_cell_int(res, 0, 0) : 0,
                                               v.verification_ref);
        if (yes < 0)
            return api_problem(r, 503, "fingerprint_unavailable",
                               "The site's fingerprint reader is not set up or not answering: nothing was recorded.");
        if (yes == 0) return api_invalid(r, "verification_ref", "not_a_match");
    }
    /* A verification already spent answers with its visit (a retry), but
     * never lends itself to another contract. */
    int existed = 0;
    if (v.verification_ref) {
        rc = db_query(r->w->db, r->arena, &res, "SELECT contract_id FROM visits WHERE verification_ref = ?", "s",
                      v.verification_ref);
        if (rc) return api_db_failed(r, rc);
        if (res->nrows == 1 && db_cell_int(res, 0, 0) != v.contract_id)
            return api_problem_at(r, 409, "conflict", "This verification was used for another visit.",
                                  "verification_ref", "verification_used");
        existed = res->nrows == 1;
    }
    int64_t id = 0;
    audit_actor_t who = api_actor(r);
    rc = visit_check_in(r->w->db, &who, &v, &id, &err);
    if (rc) return visit_failed(r, &err, rc);
    return send_visit(r, id, existed ? 200 : 201);
}

int api_visit_checkout(web_req_t *r)
{
    if (!api_key(r)->can_write) return read_only(r);
    /* No members yet; an empty body is fine, anything else must be JSON. */
    if (r->body_len > 0) {
        json_t *body = api_body_object(r);
        if (!body) return 0;
        json_decref(body);
    }
    int64_t id = web_param_id(r, 0);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT site_id FROM visits WHERE id = ?", "i", id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 0))) return api_not_found(r);
    inv_error_t err = { 0 };
    audit_actor_t who = api_actor(r);
    rc = visit_check_out(r->w->db, &who, id, 0, &err);
    if (rc) return visit_failed(r, &err, rc);
    return send_visit(r, id, 200);
}
