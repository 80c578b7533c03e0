/* Back office: a customer's contracts: proposing a cell, creating the
 * contract, suspending, resuming and closing it with its settlement, and
 * deciding on the rent periods the billing run parked. */
#include "backoffice.h"
#include "contract.h"
#include "customer.h"
#include "ledger.h"
#include "billing.h"
#include "money.h"
#include "secret.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPOSALS_MAX 24

static const char *const refund_methods[] = { "cash", "card", "bank_transfer", NULL };

/* A one-time key for a form, so a double submit does the work once. */
static const char *new_form_key(web_req_t *req, const char *prefix)
{
    char token[48];
    secret_token(token, sizeof token, 18);
    return arena_printf(req->arena, "%s:%s", prefix, token);
}

/* Keys we hand out look like "<prefix>:<base64url>"; refuse anything else
 * so a crafted key cannot collide with the ledger's other key shapes. */
static int form_key_ok(const char *key, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(key, prefix, pl) != 0 || key[pl] != ':') return 0;
    size_t n = 0;
    for (const char *p = key + pl + 1; *p; p++, n++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return n >= 16 && n <= 64;
}

static void set_choices(render_t *r)
{
    for (int i = 0; inv_sizes[i]; i++) render_set(r, inv_sizes[i], "Choices.sizes.%d", i);
    for (int i = 0; inv_features[i]; i++) render_set(r, inv_features[i], "Choices.features.%d", i);
    render_set(r, "monthly", "Choices.periods.0");
    render_set(r, "yearly", "Choices.periods.1");
    for (int i = 0; refund_methods[i]; i++) render_set(r, refund_methods[i], "Choices.methods.%d", i);
}

/* All values of a repeated form or query field joined by commas. */
static const char *joined(web_req_t *req, const kvlist_t *l, const char *name)
{
    const char *out = "";
    for (const kv_t *kv = l->head; kv; kv = kv->next)
        if (!strcmp(kv->name, name) && *kv->value) out = arena_printf(req->arena, "%s%s%s", out, *out ? "," : "", kv->value);
    return out;
}

/* The proposal table for the new-contract form. */
static int propose(web_req_t *req, int64_t site_id, const char *size, const char *features, const char *period)
{
    render_t *r = page_r(req);
    int64_t ids[PROPOSALS_MAX];
    int n = 0;
    int rc = contract_propose_cells(page_db(req), req->arena, site_id, size, features, ids, PROPOSALS_MAX, &n);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
        db_res_t *res;
        rc = db_query(page_db(req), req->arena, &res,
            "SELECT c.id, c.label, b.name, c.size_class, c.features, p.price, p.deposit, s.currency"
            " FROM cells c JOIN banks b ON b.id = c.bank_id JOIN sites s ON s.id = c.site_id"
            " LEFT JOIN plans p ON p.site_id = c.site_id AND p.size_class = c.size_class AND p.period = ? AND p.active = 1"
            " WHERE c.id = ?", "si", period, ids[i]);
        if (rc) return rc;
        if (res->nrows != 1) continue;
        static const char *const cols[] = { "id", "label", "bank", "size", "features" };
        for (int c = 0; c < 5; c++) render_set(r, db_cell(res, 0, c), "Proposals.%d.%s", i, cols[c]);
        if (db_cell(res, 0, 5)) {
            char p[64], d[64];
            render_set(r, money_display(db_cell_int(res, 0, 5), db_cell(res, 0, 7), p, sizeof p), "Proposals.%d.price", i);
            render_set(r, money_display(db_cell_int(res, 0, 6), db_cell(res, 0, 7), d, sizeof d), "Proposals.%d.deposit", i);
        }
    }
    render_set_int(r, n, "ProposalCount");
    return DB_OK;
}

static int contract_form(web_req_t *req, int64_t site_id, const char *size, const char *features, const char *period,
                         const char *starts_on, int64_t cell_id)
{
    render_t *r = page_r(req);
    if (!inv_valid_size(size)) size = NULL;
    if (!inv_valid_features(features)) features = "";
    if (!period || (strcmp(period, "monthly") != 0 && strcmp(period, "yearly") != 0))
        period = hdf_get_value(render_hdf(r), "Customer.payment_preference", "monthly");
    render_set(r, size, "Ask.size");
    render_set(r, features, "Ask.features");
    render_set(r, period, "Ask.period");
    render_set(r, starts_on, "Ask.starts_on");
    if (cell_id) render_set_int(r, cell_id, "Ask.cell_id");
    set_choices(r);
    if (size) {
        int rc = propose(req, site_id, size, features, period);
        if (rc) return page_db_fail(req, rc);
    }
    render_set(r, new_form_key(req, "contract"), "Ask.idem_key");
    return page_render(req, "backoffice/contract_form.cs") ? 500 : 0;
}

int bo_contract_new(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site_id;
    int rc = bo_load_customer(req, id, &site_id);
    if (rc) return rc;
    return contract_form(req, site_id, web_query(req, "size"), joined(req, &req->query, "features"),
                         web_query(req, "period"), web_query(req, "starts_on"), 0);
}

int bo_contract_create(web_req_t *req)
{
    int64_t customer_id = web_param_id(req, 0), site_id;
    int rc = bo_load_customer(req, customer_id, &site_id);
    if (rc) return rc;
    const char *key = web_form_trimmed(req, "idem_key"), *size = web_form_trimmed(req, "size"), *period = web_form_trimmed(req, "period");
    const char *features = joined(req, &req->form, "features"), *starts_on = web_form_trimmed(req, "starts_on");
    int64_t cell = web_id(web_form_trimmed(req, "cell_id"));
    inv_error_t err = { 0 };
    if (!form_key_ok(key, "contract")) return web_fail(req, 400, "form_key", render_str(page_r(req), "errors.form_key"));
    if (!cell) err = (inv_error_t){ "cell_id", "required" };
    else {
        contract_new_t cn = {
            .site_id = site_id, .customer_id = customer_id, .cell_id = cell, .min_size = size, .features = features,
            .period = period, .starts_on = *starts_on ? starts_on : NULL, .idem_key = key,
        };
        int64_t id = 0;
        audit_actor_t who = staff_actor(req);
        rc = contract_create(page_db(req), &who, &cn, &id, &err);
        if (rc == DB_OK)
            return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=created", (long long)id));
        if (rc == DB_ERR_DUP && err.code && !strcmp(err.code, CONTRACT_ALREADY_DONE))
            return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=already_done", (long long)id));
        if (!err.code) return page_db_fail(req, rc);
        /* Another site's cell reads as any unknown cell. */
    }
    bo_form_error(req, &err);
    return contract_form(req, site_id, size, features, period, starts_on, cell > 0 ? cell : 0);
}

/* Loads a contract the user may see into Contract.* and its customer into
 * Customer.*; 404 otherwise. */
static int load_contract(web_req_t *req, int64_t id, int64_t *customer_id)
{
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, k.site_id, k.customer_id, k.cell_id, l.label, b.name, l.size_class, k.period, k.price,"
        " k.deposit, k.currency, k.state, k.state_reason, DATE_FORMAT(k.starts_on, '%Y-%m-%d'),"
        " DATE_FORMAT(k.ends_on, '%Y-%m-%d'), k.created_at, k.closed_at, p.price, k.next_period_no,"
        " DATE_FORMAT(k.next_period_on, '%Y-%m-%d'), k.parked_at IS NOT NULL, k.parked_periods, k.arrears_suspended,"
        " " BO_SITE_LOCAL("k.parked_at")
        " FROM contracts k JOIN cells l ON l.id = k.cell_id JOIN banks b ON b.id = l.bank_id"
        " JOIN plans p ON p.id = k.plan_id JOIN sites s ON s.id = k.site_id WHERE k.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    if ((rc = staff_check_site(req, db_cell_int(res, 0, 1))) != 0) return rc;
    render_t *r = page_r(req);
    static const char *const cols[] = { "id", "site_id", "customer_id", "cell_id", "cell", "bank", "size", "period",
        NULL, NULL, "currency", "state", "reason", "starts_on", "ends_on", "created_at", "closed_at", NULL,
        "next_period_no", "next_period_on", "parked", "parked_periods", "arrears", "parked_at" };
    for (int c = 0; c < 24; c++) if (cols[c]) render_set(r, db_cell(res, 0, c), "Contract.%s", cols[c]);
    const char *cur = db_cell(res, 0, 10);
    char buf[64];
    render_set(r, money_display(db_cell_int(res, 0, 8), cur, buf, sizeof buf), "Contract.price");
    render_set(r, money_display(db_cell_int(res, 0, 9), cur, buf, sizeof buf), "Contract.deposit");
    render_set(r, money_display(db_cell_int(res, 0, 17), cur, buf, sizeof buf), "Contract.plan_price_now");
    *customer_id = db_cell_int(res, 0, 2);
    return bo_load_customer(req, *customer_id, NULL);
}

static int contract_money(web_req_t *req, int64_t id, int64_t customer_id)
{
    render_t *r = page_r(req);
    const char *cur = hdf_get_value(render_hdf(r), "Contract.currency", "EUR");
    int64_t balance = 0, held = 0;
    int rc = ledger_balance(page_db(req), req->arena, customer_id, &balance);
    if (rc == 0) rc = ledger_deposit_held(page_db(req), req->arena, id, &held);
    if (rc) return rc < 0 ? rc : DB_ERR;
    bo_customer_balance(r, balance, cur, "Balance");
    char buf[64];
    render_set(r, money_display(held, cur, buf, sizeof buf), "Contract.deposit_held");
    return DB_OK;
}

int bo_contract_show(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), customer_id;
    int rc = load_contract(req, id, &customer_id);
    if (rc) return rc;
    render_t *r = page_r(req);
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT at, actor_name, event, from_state, to_state, detail FROM contract_events WHERE contract_id = ? ORDER BY id",
        "i", id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "at", "actor", "event", "from", "to", "detail" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 6; c++) {
            /* The creation event keeps the form key for idempotency; it means nothing to a reader. */
            if (c == 5 && !strcmp(db_cell(res, i, 2), "created")) continue;
            render_set(r, db_cell(res, i, c), "Events.%d.%s", i, cols[c]);
        }
    if ((rc = contract_money(req, id, customer_id)) != DB_OK) return page_db_fail(req, rc);
    render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/contract.cs") ? 500 : 0;
}

int bo_contract_suspend(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), customer_id;
    int rc = load_contract(req, id, &customer_id);
    if (rc) return rc;
    const char *action = web_form_trimmed(req, "action"), *reason = web_form_trimmed(req, "reason");
    int suspend = !strcmp(action, "suspend");
    if (!suspend && strcmp(action, "resume") != 0) return web_fail(req, 400, "bad_form", NULL);
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    rc = contract_set_suspended(page_db(req), &who, id, suspend, reason, &err);
    if (rc == DB_OK)
        return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=%s", (long long)id,
                                              suspend ? "suspended" : "resumed"));
    if (!err.code) return page_db_fail(req, rc);
    bo_form_error(req, &err);
    render_set(page_r(req), reason, "Ask.reason");
    return bo_contract_show(req);
}

/* A parked contract (the billing run's safety bound stopped it): an
 * operator charges the periods due after all, or waives them; either way
 * with a reason, audited by lib/billing. */
int bo_contract_release(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), customer_id;
    int rc = load_contract(req, id, &customer_id);
    if (rc) return rc;
    const char *action = web_form_trimmed(req, "action"), *reason = web_form_trimmed(req, "reason");
    int charge = !strcmp(action, "charge");
    if (!charge && strcmp(action, "waive") != 0) return web_fail(req, 400, "bad_form", NULL);
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    rc = billing_release(page_db(req), &who, id, charge, reason, NULL, &err);
    if (rc == DB_OK)
        return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=%s", (long long)id,
                                              charge ? "parked_charged" : "parked_waived"));
    if (!err.code) return page_db_fail(req, rc);
    if (!strcmp(err.code, "not_found")) return web_fail(req, 404, "not_found", NULL);
    /* The page has the suspension's reason field too: this form's is
     * named apart.  not_parked: someone decided a moment ago, and the page
     * shows how it stands now. */
    if (!strcmp(err.code, "not_parked") || (err.field && !strcmp(err.field, "reason"))) err.field = "release_reason";
    bo_form_error(req, &err);
    if (!strcmp(err.code, "not_parked")) web_set_status(req, 409);
    render_t *r = page_r(req);
    render_set(r, reason, "Release.reason");
    render_set(r, action, "Release.action");
    return bo_contract_show(req);
}

static int close_form(web_req_t *req, int64_t id, int64_t customer_id, const char *ends_on, const char *method)
{
    render_t *r = page_r(req);
    contract_settlement_t s;
    int rc = contract_quote_close(page_db(req), req->arena, id, ends_on, &s);
    if (rc == DB_OK) rc = contract_money(req, id, customer_id);
    if (rc) return page_db_fail(req, rc);
    const char *cur = hdf_get_value(render_hdf(r), "Contract.currency", "EUR");
    char buf[64];
    render_set_int(r, s.rent_credit, "Quote.rent_credit_minor");
    render_set(r, money_display(s.rent_credit, cur, buf, sizeof buf), "Quote.rent_credit");
    render_set(r, money_display(s.deposit_offset, cur, buf, sizeof buf), "Quote.deposit_offset");
    render_set(r, money_display(s.deposit_refund, cur, buf, sizeof buf), "Quote.deposit_refund");
    render_set_int(r, s.deposit_refund, "Quote.refund_minor");
    bo_customer_balance(r, s.balance_after, cur, "Quote.balance_after");
    render_set(r, ends_on, "Ask.ends_on");
    render_set(r, method, "Ask.method");
    render_set(r, new_form_key(req, "close"), "Ask.idem_key");
    set_choices(r);
    return page_render(req, "backoffice/contract_close.cs") ? 500 : 0;
}

int bo_contract_close_form(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), customer_id;
    int rc = load_contract(req, id, &customer_id);
    if (rc) return rc;
    return close_form(req, id, customer_id, web_query(req, "ends_on"), NULL);
}

int bo_contract_close(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), customer_id = 0;
    int rc = load_contract(req, id, &customer_id);
    if (rc) return rc;
    const char *key = web_form_trimmed(req, "idem_key"), *ends_on = web_form_trimmed(req, "ends_on"), *method = web_form_trimmed(req, "method");
    if (!form_key_ok(key, "close")) return web_fail(req, 400, "form_key", render_str(page_r(req), "errors.form_key"));
    inv_error_t err = { 0 };
    contract_settlement_t s;
    audit_actor_t who = staff_actor(req);
    rc = contract_close(page_db(req), &who, id, *ends_on ? ends_on : NULL, *method ? method : NULL, key, &s, &err);
    if (rc == DB_OK) return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=closed", (long long)id));
    if (err.code && !strcmp(err.code, "already_closed"))
        return web_redirect(req, arena_printf(req->arena, "/admin/contracts/%lld?done=already_closed", (long long)id));
    if (!err.code) return page_db_fail(req, rc);
    bo_form_error(req, &err);
    return close_form(req, id, customer_id, ends_on, method);
}
