/* Back office: vault customers (list, profile, edit, photo, consents) and
 * the plans of a site. */
#include "backoffice.h"
#include "customer.h"
#include "contract.h"
#include "ledger.h"
#include "money.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CUSTOMERS_PAGE 50
/* A passport photo needs far less; the cap keeps the uploads dir sane. */
#define PHOTO_MAX_BYTES (2u << 20)

static const char *const doc_types[] = { "passport", "national_id", "driving_licence", "residence_permit", NULL };
static const char *const periods[] = { "monthly", "yearly", NULL };

static void set_choices(render_t *r)
{
    for (int i = 0; doc_types[i]; i++) render_set(r, doc_types[i], "Choices.doc_types.%d", i);
    for (int i = 0; periods[i]; i++) render_set(r, periods[i], "Choices.periods.%d", i);
    for (int i = 0; customer_consent_kinds[i]; i++) render_set(r, customer_consent_kinds[i], "Choices.consents.%d", i);
}

/* "due 12.00 EUR" / "credit 3.00 EUR" / "0": the kind and the amount for
 * the template, which words them in the page's language. */
void bo_customer_balance(render_t *r, int64_t balance, const char *currency, const char *prefix)
{
    char buf[64];
    int64_t mag = balance < 0 ? -balance : balance;
    render_set(r, balance > 0 ? "due" : balance < 0 ? "credit" : "zero", "%s.kind", prefix);
    render_set(r, money_display(mag, currency, buf, sizeof buf), "%s.amount", prefix);
}

/* ---------- the list ---------- */

int bo_customers(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    render_t *r = page_r(req);
    const char *q = web_query(req, "q");
    q = q ? q : "";
    const char *site_s = web_query(req, "site"), *page_s = web_query(req, "page");
    int64_t site = web_id(site_s), page = web_id(page_s);
    if (page < 1 || page > 100000) page = 1;
    if (strlen(q) > 100) q = "";
    int rc = bo_load_site_choices(req);
    if (rc) return page_db_fail(req, rc);
    db_res_t *res;
    const char *like = db_like_pattern(req->arena, q, 1);
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT c.id, c.full_name, s.name, c.phone, c.email,"
        " (SELECT COUNT(*) FROM contracts k WHERE k.customer_id = c.id AND k.state IN ('active','suspended','closing')),"
        " COALESCE(a.balance, 0), s.currency, c.site_id"
        " FROM customers c JOIN sites s ON s.id = c.site_id LEFT JOIN ledger_accounts a ON a.customer_id = c.id"
        " WHERE (? = 1 OR c.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"
        " AND (? = 0 OR c.site_id = ?)"
        " AND (? = '' OR c.full_name LIKE ?" DB_LIKE_ESCAPE " OR c.phone LIKE ?" DB_LIKE_ESCAPE
        " OR c.email LIKE ?" DB_LIKE_ESCAPE " OR c.doc_number LIKE ?" DB_LIKE_ESCAPE ")"
        " ORDER BY c.full_name, c.id LIMIT ? OFFSET ?",
        "IiiisssssII", u->all_sites, u->id, site, site, q, like, like, like, like, CUSTOMERS_PAGE + 1,
        (int)((page - 1) * CUSTOMERS_PAGE));
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "name", "site", "phone", "email", "contracts" };
    int shown = res->nrows > CUSTOMERS_PAGE ? CUSTOMERS_PAGE : res->nrows;
    for (int i = 0; i < shown; i++) {
        for (int c = 0; c < 6; c++) render_set(r, db_cell(res, i, c), "Customers.%d.%s", i, cols[c]);
        char prefix[48];
        snprintf(prefix, sizeof prefix, "Customers.%d.balance", i);
        bo_customer_balance(r, db_cell_int(res, i, 6), db_cell(res, i, 7), prefix);
    }
    render_set(r, q, "Filter.q");
    if (site) render_set_int(r, site, "Filter.site");
    render_set_int(r, page, "Filter.page");
    if (page > 1) render_set_int(r, page - 1, "Filter.prev");
    if (res->nrows > CUSTOMERS_PAGE) render_set_int(r, page + 1, "Filter.next");
    return page_render(req, "backoffice/customers.cs") ? 500 : 0;
}

/* ---------- create / edit ---------- */

void bo_customer_identity_from_form(web_req_t *req, customer_t *c)
{
    c->full_name = web_form_trimmed(req, "full_name");
    c->date_of_birth = web_form_trimmed(req, "date_of_birth");
    c->doc_type = web_form_trimmed(req, "doc_type");
    c->doc_number = web_form_trimmed(req, "doc_number");
    c->doc_expiry = web_form_trimmed(req, "doc_expiry");
    c->address = web_form_trimmed(req, "address");
    c->phone = web_form_trimmed(req, "phone");
    c->email = web_form_trimmed(req, "email");
    c->nominee_name = web_form_trimmed(req, "nominee_name");
    c->nominee_relation = web_form_trimmed(req, "nominee_relation");
    c->nominee_phone = web_form_trimmed(req, "nominee_phone");
}

/* A checkbox: 1 ticked (value "1"), 0 absent, -1 anything else, which
 * the validation refuses naming the field. */
static int checkbox(web_req_t *req, const char *name)
{
    const char *v = web_form(req, name);
    return !v ? 0 : !strcmp(v, "1") ? 1 : -1;
}

static void customer_from_form(web_req_t *req, customer_t *c)
{
    bo_customer_identity_from_form(req, c);
    c->co_holder_name = web_form_trimmed(req, "co_holder_name");
    c->language = web_form_trimmed(req, "language");
    c->payment_preference = web_form_trimmed(req, "payment_preference");
    c->notes = web_form_trimmed(req, "notes");
    c->notify_given = 1;
    c->notify_sms = checkbox(req, "notify_sms");
    c->notify_email = checkbox(req, "notify_email");
    c->notify_optout = checkbox(req, "notify_optout");
}

static void customer_to_form(render_t *r, const customer_t *c)
{
    const char *vals[] = { c->full_name, c->date_of_birth, c->doc_type, c->doc_number, c->doc_expiry, c->address,
                           c->phone, c->email, c->nominee_name, c->nominee_relation, c->nominee_phone,
                           c->co_holder_name, c->language, c->payment_preference, c->notes };
    static const char *const names[] = { "full_name", "date_of_birth", "doc_type", "doc_number", "doc_expiry",
                                         "address", "phone", "email", "nominee_name", "nominee_relation",
                                         "nominee_phone", "co_holder_name", "language", "payment_preference", "notes" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) render_set(r, vals[i], "Customer.%s", names[i]);
    render_set_int(r, c->notify_sms == 1, "Customer.notify_sms");
    render_set_int(r, c->notify_email == 1, "Customer.notify_email");
    render_set_int(r, c->notify_optout == 1, "Customer.notify_optout");
}

/* The vault sites the user may pick for a new customer. */
static int load_vault_sites(web_req_t *req, int64_t *only)
{
    const auth_user_t *u = staff_user(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT id, name FROM sites WHERE mod_vault = 1 AND (? = 1 OR id IN"
        " (SELECT site_id FROM staff_user_sites WHERE user_id = ?)) ORDER BY name", "Ii", u->all_sites, u->id);
    if (rc) return rc;
    for (int i = 0; i < res->nrows; i++) {
        render_set(page_r(req), db_cell(res, i, 0), "Choices.sites.%d.id", i);
        render_set(page_r(req), db_cell(res, i, 1), "Choices.sites.%d.name", i);
    }
    if (only) *only = res->nrows == 1 ? db_cell_int(res, 0, 0) : 0;
    return DB_OK;
}

int bo_customer_new(web_req_t *req)
{
    render_t *r = page_r(req);
    int64_t only;
    int rc = load_vault_sites(req, &only);
    if (rc) return page_db_fail(req, rc);
    customer_t c = { .language = req->lang, .payment_preference = "monthly", .doc_type = "passport",
                     .notify_given = 1, .notify_sms = 1, .notify_email = 1 };
    customer_to_form(r, &c);
    if (only) render_set_int(r, only, "Customer.site_id");
    set_choices(r);
    render_set(r, "new", "Form.mode");
    return page_render(req, "backoffice/customer_form.cs") ? 500 : 0;
}

static int64_t form_id(web_req_t *req, const char *name)
{
    return web_id(web_form_trimmed(req, name));
}

int bo_customer_create(web_req_t *req)
{
    render_t *r = page_r(req);
    customer_t c;
    customer_from_form(req, &c);
    c.site_id = form_id(req, "site_id");
    inv_error_t err = { 0 };
    int rc;
    db_res_t *res;
    /* Only a vault site the user can see; anything else reads as "no such site". */
    if (!c.site_id) err = (inv_error_t){ "site_id", "required" };
    else if ((rc = staff_check_site(req, c.site_id)) != 0) return rc;
    else if ((rc = db_query(page_db(req), req->arena, &res, "SELECT mod_vault FROM sites WHERE id = ?", "i",
                            c.site_id)) != DB_OK)
        return page_db_fail(req, rc);
    else if (res->nrows != 1 || db_cell_int(res, 0, 0) != 1) err = (inv_error_t){ "site_id", "not_found" };
    if (!err.code) {
        int64_t id;
        audit_actor_t who = staff_actor(req);
        rc = customer_create(page_db(req), &who, &c, "staff", &id, &err);
        if (rc == DB_OK)
            return web_redirect(req, arena_printf(req->arena, "/admin/customers/%lld?done=created", (long long)id));
        if (!err.code) return page_db_fail(req, rc);
    }
    if ((rc = load_vault_sites(req, NULL)) != DB_OK) return page_db_fail(req, rc);
    customer_to_form(r, &c);
    if (c.site_id) render_set_int(r, c.site_id, "Customer.site_id");
    set_choices(r);
    render_set(r, "new", "Form.mode");
    bo_form_error(req, &err);
    return page_render(req, "backoffice/customer_form.cs") ? 500 : 0;
}

/* Loads a customer the user may see into Customer.*; 404 otherwise. */
int bo_load_customer(web_req_t *req, int64_t id, int64_t *site_id)
{
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT c.id, c.site_id, c.full_name, DATE_FORMAT(c.date_of_birth, '%Y-%m-%d'), c.doc_type, c.doc_number,"
        " DATE_FORMAT(c.doc_expiry, '%Y-%m-%d'), c.address, c.phone, c.email, c.nominee_name, c.nominee_relation,"
        " c.nominee_phone, c.co_holder_name, c.language, c.payment_preference, c.notes, c.source,"
        " c.photo_file IS NOT NULL, c.created_at, s.name, s.currency, s.time_zone, c.notify_sms, c.notify_email,"
        " c.notify_optout FROM customers c JOIN sites s ON s.id = c.site_id WHERE c.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    if ((rc = staff_check_site(req, db_cell_int(res, 0, 1))) != 0) return rc;
    static const char *const cols[] = { "id", "site_id", "full_name", "date_of_birth", "doc_type", "doc_number",
        "doc_expiry", "address", "phone", "email", "nominee_name", "nominee_relation", "nominee_phone",
        "co_holder_name", "language", "payment_preference", "notes", "source", "has_photo", "created_at",
        "site_name", "currency", "time_zone", "notify_sms", "notify_email", "notify_optout" };
    for (int c = 0; c < 26; c++) render_set(page_r(req), db_cell(res, 0, c), "Customer.%s", cols[c]);
    if (site_id) *site_id = db_cell_int(res, 0, 1);
    return 0;
}

int bo_customer_show(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site;
    int rc = bo_load_customer(req, id, &site);
    if (rc) return rc;
    render_t *r = page_r(req);
    db_res_t *res;
    /* Consents: the latest record of each kind. */
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT kind, text_version, granted_at, withdrawn_at FROM customer_consents WHERE customer_id = ?"
        " ORDER BY id", "i", id);
    if (rc) return page_db_fail(req, rc);
    for (int k = 0; customer_consent_kinds[k]; k++) {
        render_set(r, customer_consent_kinds[k], "Consents.%d.kind", k);
        for (int i = res->nrows - 1; i >= 0; i--) {
            if (strcmp(db_cell(res, i, 0), customer_consent_kinds[k]) != 0) continue;
            render_set(r, db_cell(res, i, 1), "Consents.%d.version", k);
            render_set(r, db_cell(res, i, 2), "Consents.%d.granted_at", k);
            render_set(r, db_cell(res, i, 3), "Consents.%d.withdrawn_at", k);
            render_set(r, db_cell(res, i, 3) ? "0" : "1", "Consents.%d.active", k);
            break;
        }
    }
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, l.label, b.name, k.period, k.price, k.currency, k.state, DATE_FORMAT(k.starts_on, '%Y-%m-%d'),"
        " DATE_FORMAT(k.ends_on, '%Y-%m-%d'), k.state_reason, l.size_class, k.arrears_suspended,"
        " k.parked_at IS NOT NULL"
        " FROM contracts k JOIN cells l ON l.id = k.cell_id JOIN banks b ON b.id = l.bank_id"
        " WHERE k.customer_id = ? ORDER BY k.state = 'closed', k.id DESC", "i", id);
    if (rc) return page_db_fail(req, rc);
    for (int i = 0; i < res->nrows; i++) {
        static const char *const cols[] = { "id", "cell", "bank", "period", NULL, NULL, "state", "starts_on",
                                            "ends_on", "reason", "size", "arrears", "parked" };
        for (int c = 0; c < 13; c++) if (cols[c]) render_set(r, db_cell(res, i, c), "Contracts.%d.%s", i, cols[c]);
        char buf[64];
        render_set(r, money_display(db_cell_int(res, i, 4), db_cell(res, i, 5), buf, sizeof buf), "Contracts.%d.price", i);
    }
    int64_t balance = 0;
    rc = ledger_balance(page_db(req), req->arena, id, &balance);
    if (rc < 0) return page_db_fail(req, rc);
    const char *currency = hdf_get_value(render_hdf(r), "Customer.currency", "EUR");
    bo_customer_balance(r, balance, currency, "Balance");
    /* Due tracking's stage (lib/dues): a row only while overdue or suspended. */
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT d.stage, DATE_FORMAT(d.oldest_unpaid, '%Y-%m-%d'), d.amount, " BO_SITE_LOCAL("d.since")
        " FROM customer_dues d JOIN sites s ON s.id = d.site_id WHERE d.customer_id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows == 1) {
        char buf[64];
        render_set(r, db_cell(res, 0, 0), "Dues.stage");
        render_set(r, db_cell(res, 0, 1), "Dues.oldest_unpaid");
        render_set(r, money_display(db_cell_int(res, 0, 2), currency, buf, sizeof buf), "Dues.amount");
        render_set(r, db_cell(res, 0, 3), "Dues.since");
    }
    if (auth_role_can(staff_user(req)->role, "outbox.view") && (rc = bo_outbox_recent(req, id)) != 0) return rc;
    if ((rc = bo_customer_fingerprints(req, id)) != DB_OK) return page_db_fail(req, rc);
    set_choices(r);
    render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/customer.cs") ? 500 : 0;
}

int bo_customer_edit(web_req_t *req)
{
    int rc = bo_load_customer(req, web_param_id(req, 0), NULL);
    if (rc) return rc;
    set_choices(page_r(req));
    render_set(page_r(req), "edit", "Form.mode");
    return page_render(req, "backoffice/customer_form.cs") ? 500 : 0;
}

int bo_customer_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = bo_load_customer(req, id, NULL);
    if (rc) return rc;
    customer_t c;
    customer_from_form(req, &c);
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    rc = customer_update(page_db(req), &who, id, &c, &err);
    if (rc == DB_OK) return web_redirect(req, arena_printf(req->arena, "/admin/customers/%lld?done=saved", (long long)id));
    if (!err.code) return page_db_fail(req, rc);
    customer_to_form(page_r(req), &c);
    set_choices(page_r(req));
    render_set(page_r(req), "edit", "Form.mode");
    bo_form_error(req, &err);
    return page_render(req, "backoffice/customer_form.cs") ? 500 : 0;
}

/* ---------- photo ---------- */

int bo_customer_photo_upload(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = bo_load_customer(req, id, NULL);
    if (rc) return rc;
    const kv_t *f = web_file(req, "photo");
    inv_error_t err = { 0 };
    size_t max = req->w->max_upload < PHOTO_MAX_BYTES ? req->w->max_upload : PHOTO_MAX_BYTES;
    audit_actor_t who = staff_actor(req);
    const char *dir = config_get(req->w->cfg, "Paths.Uploads", "/var/lib/strongroom/uploads");
    rc = customer_set_photo(page_db(req), &who, id, dir, f ? f->value : NULL, f ? f->len : 0, max, &err);
    if (rc == DB_OK) return web_redirect(req, arena_printf(req->arena, "/admin/customers/%lld?done=photo", (long long)id));
    if (!err.code) return page_db_fail(req, rc);
    /* Show the profile again with the message by the upload field. */
    bo_form_error(req, &err);
    return bo_customer_show(req);
}

int bo_customer_photo(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT site_id, photo_file, photo_type FROM customers WHERE id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    if ((rc = staff_check_site(req, db_cell_int(res, 0, 0))) != 0) return rc;
    const char *file = db_cell(res, 0, 1), *type = db_cell(res, 0, 2);
    if (!file || !type || strchr(file, '/') || file[0] == '.') return web_fail(req, 404, "not_found", NULL);
    const char *path = arena_printf(req->arena, "%s/photos/%s",
                                    config_get(req->w->cfg, "Paths.Uploads", "/var/lib/strongroom/uploads"), file);
    FILE *fp = fopen(path, "rb");
    if (!fp) return web_fail(req, 404, "not_found", NULL);
    char buf[16384];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) web_write(req, buf, n);
    fclose(fp);
    if (req->out_failed) { web_reset_body(req); return web_fail(req, 500, "internal", NULL); }
    /* Only this user's browser may keep it; the common headers said no-store. */
    for (web_header_t *h = req->headers; h; h = h->next)
        if (!strcasecmp(h->name, "Cache-Control")) h->value = "private, max-age=300";
    web_add_header(req, "Content-Type", type);
    return 0;
}

/* ---------- consents ---------- */

int bo_customer_consent(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = bo_load_customer(req, id, NULL);
    if (rc) return rc;
    const char *kind = web_form_trimmed(req, "kind"), *action = web_form_trimmed(req, "action");
    int known = 0;
    for (int i = 0; customer_consent_kinds[i]; i++) if (!strcmp(kind, customer_consent_kinds[i])) known = 1;
    int grant = !strcmp(action, "record");
    if (!known || (!grant && strcmp(action, "withdraw") != 0)) return web_fail(req, 400, "bad_form", NULL);
    audit_actor_t who = staff_actor(req);
    rc = customer_consent(page_db(req), &who, id, kind, grant, "staff");
    if (rc) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/customers/%lld?done=%s", (long long)id,
                                          grant ? "consent_recorded" : "consent_withdrawn"));
}

/* ---------- plans of a site ---------- */

static int load_plan_site(web_req_t *req, int64_t site_id, const char **currency)
{
    int rc = staff_check_site(req, site_id);
    if (rc) return rc;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res, "SELECT id, name, currency, mod_vault FROM sites WHERE id = ?",
                  "i", site_id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    render_set(page_r(req), db_cell(res, 0, 0), "Site.id");
    render_set(page_r(req), db_cell(res, 0, 1), "Site.name");
    render_set(page_r(req), db_cell(res, 0, 2), "Site.currency");
    render_set(page_r(req), db_cell(res, 0, 3), "Site.vault");
    *currency = db_cell(res, 0, 2);
    return 0;
}

/* Plans.N = one size; .monthly/.yearly .price/.deposit as plain amounts. */
static int plans_to_form(web_req_t *req, int64_t site_id, const char *currency)
{
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT size_class, period, price, deposit, active FROM plans WHERE site_id = ?", "i", site_id);
    if (rc) return rc;
    for (int s = 0; inv_sizes[s]; s++) {
        render_set(r, inv_sizes[s], "Plans.%d.size", s);
        for (int i = 0; i < res->nrows; i++) {
            if (strcmp(db_cell(res, i, 0), inv_sizes[s]) != 0 || db_cell_int(res, i, 4) != 1) continue;
            char p[40], d[40];
            const char *per = db_cell(res, i, 1);
            render_set(r, money_plain(db_cell_int(res, i, 2), currency, p, sizeof p), "Plans.%d.%s.price", s, per);
            render_set(r, money_plain(db_cell_int(res, i, 3), currency, d, sizeof d), "Plans.%d.%s.deposit", s, per);
        }
    }
    return DB_OK;
}

int bo_plans(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    const char *currency = NULL;
    int rc = load_plan_site(req, site_id, &currency);
    if (rc) return rc;
    if ((rc = plans_to_form(req, site_id, currency)) != DB_OK) return page_db_fail(req, rc);
    render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/plans.cs") ? 500 : 0;
}

int bo_plans_save(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    const char *currency = NULL;
    int rc = load_plan_site(req, site_id, &currency);
    if (rc) return rc;
    render_t *r = page_r(req);
    plan_t plans[8];
    int n = 0;
    inv_error_t err = { 0 };
    const char *bad = NULL;
    /* Parse everything first: a bad amount anywhere saves nothing. */
    for (int s = 0; inv_sizes[s]; s++) {
        render_set(r, inv_sizes[s], "Plans.%d.size", s);
        for (int p = 0; periods[p]; p++) {
            const char *pn = arena_printf(req->arena, "price_%s_%s", inv_sizes[s], periods[p]);
            const char *dn = arena_printf(req->arena, "deposit_%s_%s", inv_sizes[s], periods[p]);
            const char *pv = web_form_trimmed(req, pn), *dv = web_form_trimmed(req, dn);
            render_set(r, pv, "Plans.%d.%s.price", s, periods[p]);
            render_set(r, dv, "Plans.%d.%s.deposit", s, periods[p]);
            plan_t *pl = &plans[n++];
            *pl = (plan_t){ .site_id = site_id, .size_class = inv_sizes[s], .period = periods[p], .active = *pv != 0 };
            if (*pv && (money_parse(pv, currency, 0, &pl->price) != 0) && !bad) {
                bad = pn;
                err = (inv_error_t){ "price", "price_invalid" };
            }
            if (*dv && money_parse(dv, currency, 0, &pl->deposit) != 0 && !bad) {
                bad = dn;
                err = (inv_error_t){ "deposit", "deposit_invalid" };
            }
            if (!*pv && *dv && !bad) { bad = pn; err = (inv_error_t){ "price", "required" }; }
        }
    }
    if (!bad) {
        /* One transaction for the whole table: all prices change together. */
        audit_actor_t who = staff_actor(req);
        for (int attempt = 0; attempt < 3; attempt++) {
            err = (inv_error_t){ 0 };
            if ((rc = db_begin(page_db(req))) != DB_OK) return page_db_fail(req, rc);
            db_res_t *res;
            for (int i = 0; i < n && rc == DB_OK; i++) {
                /* A blank price withdraws the plan if there is one, else skips it. */
                if (!plans[i].active) {
                    rc = db_query(page_db(req), req->arena, &res, "SELECT price, deposit FROM plans WHERE site_id = ?"
                                  " AND size_class = ? AND period = ?", "iss", site_id, plans[i].size_class,
                                  plans[i].period);
                    if (rc != DB_OK || res->nrows == 0) continue;
                    plans[i].price = db_cell_int(res, 0, 0);
                    plans[i].deposit = db_cell_int(res, 0, 1);
                }
                rc = plan_save(page_db(req), &who, &plans[i], NULL, &err);
            }
            if (rc == DB_OK) rc = db_commit(page_db(req));
            if (rc == DB_OK)
                return web_redirect(req, arena_printf(req->arena, "/admin/sites/%lld/plans?done=saved", (long long)site_id));
            db_rollback(page_db(req));
            if (rc != DB_ERR_RETRY) break;
        }
        if (!err.code) return page_db_fail(req, rc);
    }
    render_set(r, bad, "Form.error.input");
    bo_form_error(req, &err);
    return page_render(req, "backoffice/plans.cs") ? 500 : 0;
}
