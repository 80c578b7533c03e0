/* backoffice.fcgi: the staff back office under /admin/. */
#include "backoffice.h"
#include "fragcache.h"
#include "secret.h"
#include "staffadmin.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const web_route_t routes[] = {
    { "GET",  "/admin/login",               bo_login_form,   WEB_PUBLIC, NULL },
    { "POST", "/admin/login",               bo_login,        WEB_PUBLIC, NULL },
    { "POST", "/admin/logout",              bo_logout,       0, NULL },
    { "GET",  "/admin/",                    bo_dashboard,    0, "dashboard.view" },
    { "GET",  "/admin/sites",               bo_sites,        0, "sites.view" },
    { "GET",  "/admin/sites/new",           bo_site_new,     0, "sites.manage" },
    { "POST", "/admin/sites",               bo_site_create,  0, "sites.manage" },
    { "GET",  "/admin/sites/{}",            bo_site_show,    0, "sites.view" },
    { "GET",  "/admin/sites/{}/edit",       bo_site_edit,    0, "sites.manage" },
    { "POST", "/admin/sites/{}/edit",       bo_site_update,  0, "sites.manage" },
    { "GET",  "/admin/sites/{}/grid",       bo_grid,         0, "inventory.view" },
    { "GET",  "/admin/sites/{}/banks/new",  bo_bank_new,     0, "inventory.manage" },
    { "POST", "/admin/sites/{}/banks",      bo_bank_create,  0, "inventory.manage" },
    { "GET",  "/admin/banks/{}",            bo_bank_show,    0, "inventory.view" },
    { "GET",  "/admin/cells/{}",            bo_cell_edit,    0, "inventory.manage" },
    { "POST", "/admin/cells/{}/edit",       bo_cell_update,  0, "inventory.manage" },
    { "POST", "/admin/cells/{}/service",    bo_cell_service, 0, "cells.service" },
    /* lock-control boards and doors (backoffice_boards.c, backoffice_doors.c) */
    { "POST", "/admin/cells/{}/open",       bo_cell_open,    0, "cells.open" },
    { "GET",  "/admin/sites/{}/doors",      bo_site_doors,   0, "inventory.view" },
    { "GET",  "/admin/sites/{}/buses",      bo_buses,        0, "inventory.view" },
    { "GET",  "/admin/sites/{}/buses/new",  bo_bus_new,      0, "boards.manage" },
    { "POST", "/admin/sites/{}/buses",      bo_bus_create,   0, "boards.manage" },
    { "GET",  "/admin/buses/{}/edit",       bo_bus_edit,     0, "boards.manage" },
    { "POST", "/admin/buses/{}/edit",       bo_bus_update,   0, "boards.manage" },
    { "POST", "/admin/buses/{}/scan",       bo_bus_scan,     0, "boards.manage" },
    { "GET",  "/admin/buses/{}/boards/new", bo_board_new,    0, "boards.manage" },
    { "POST", "/admin/buses/{}/boards",     bo_board_create, 0, "boards.manage" },
    { "GET",  "/admin/boards/{}/edit",      bo_board_edit,   0, "boards.manage" },
    { "POST", "/admin/boards/{}/edit",      bo_board_update, 0, "boards.manage" },
    { "POST", "/admin/banks/{}/wire",       bo_bank_wire,    0, "boards.manage" },
    { "GET",  "/admin/alarms",              bo_alarms,       0, "alarms.view" },
    { "GET",  "/admin/alarms/count",        bo_alarms_count, 0, "alarms.view" },
    { "POST", "/admin/alarms/{}/ack",       bo_alarm_ack,    0, "alarms.ack" },
    { "GET",  "/admin/users",               bo_users,        0, "users.manage" },
    { "GET",  "/admin/users/new",           bo_user_new,     0, "users.manage" },
    { "POST", "/admin/users",               bo_user_create,  0, "users.manage" },
    { "GET",  "/admin/users/{}/edit",       bo_user_edit,    0, "users.manage" },
    { "POST", "/admin/users/{}/edit",       bo_user_update,  0, "users.manage" },
    { "GET",  "/admin/audit",               bo_audit,        0, "audit.view" },
    { "GET",  "/admin/audit.csv",           bo_audit_csv,    0, "audit.view" },
    { "GET",  "/admin/apikeys",             bo_apikeys,      0, "apikeys.manage" },
    { "POST", "/admin/apikeys",             bo_apikey_create, 0, "apikeys.manage" },
    { "POST", "/admin/apikeys/{}/revoke",   bo_apikey_revoke, 0, "apikeys.manage" },
    /* vault: customers, plans, contracts (backoffice_customers.c, backoffice_contracts.c) */
    { "GET",  "/admin/customers",                   bo_customers,             0, "customers.view" },
    { "GET",  "/admin/customers/new",               bo_customer_new,          0, "customers.manage" },
    { "POST", "/admin/customers",                   bo_customer_create,       0, "customers.manage" },
    { "GET",  "/admin/customers/{}",                bo_customer_show,         0, "customers.view" },
    { "GET",  "/admin/customers/{}/edit",           bo_customer_edit,         0, "customers.manage" },
    { "POST", "/admin/customers/{}/edit",           bo_customer_update,       0, "customers.manage" },
    { "GET",  "/admin/customers/{}/photo",          bo_customer_photo,        0, "customers.view" },
    { "POST", "/admin/customers/{}/photo",          bo_customer_photo_upload, 0, "customers.manage" },
    { "POST", "/admin/customers/{}/consents",       bo_customer_consent,      0, "customers.manage" },
    /* fingerprints (backoffice_fingerprints.c) */
    { "GET",  "/admin/customers/{}/fingerprints/enroll",    bo_fingerprint_enroll_form, 0, "fingerprints.enroll" },
    { "POST", "/admin/customers/{}/fingerprints",           bo_fingerprint_enroll,      0, "fingerprints.enroll" },
    { "POST", "/admin/customers/{}/fingerprints/{}/delete", bo_fingerprint_delete,      0, "fingerprints.enroll" },
    { "GET",  "/admin/customers/{}/contracts/new",  bo_contract_new,          0, "contracts.manage" },
    { "POST", "/admin/customers/{}/contracts",      bo_contract_create,       0, "contracts.manage" },
    { "GET",  "/admin/sites/{}/plans",              bo_plans,                 0, "customers.view" },
    { "POST", "/admin/sites/{}/plans",              bo_plans_save,            0, "plans.manage" },
    { "GET",  "/admin/contracts/{}",                bo_contract_show,         0, "customers.view" },
    { "POST", "/admin/contracts/{}/suspend",        bo_contract_suspend,      0, "contracts.manage" },
    { "GET",  "/admin/contracts/{}/close",          bo_contract_close_form,   0, "contracts.manage" },
    { "POST", "/admin/contracts/{}/close",          bo_contract_close,        0, "contracts.manage" },
    { "POST", "/admin/contracts/{}/billing",        bo_contract_release,      0, "contracts.billing" },
    /* vault: accounts, payments, statements (backoffice_ledger.c) */
    { "GET",  "/admin/customers/{}/account",       bo_account,           0, "ledger.view" },
    { "POST", "/admin/customers/{}/payments",      bo_payment_create,    0, "payments.record" },
    { "POST", "/admin/customers/{}/adjustments",   bo_adjustment_create, 0, "ledger.adjust" },
    { "GET",  "/admin/customers/{}/statement",     bo_statement,         0, "ledger.view" },
    { "GET",  "/admin/customers/{}/statement.csv", bo_statement_csv,     0, "ledger.view" },
    { "GET",  "/admin/journals/{}",                bo_journal,           0, "ledger.view" },
    { "POST", "/admin/journals/{}/reverse",        bo_journal_reverse,   0, "ledger.adjust" },
    /* notifications: the outbox (backoffice_outbox.c) */
    { "GET",  "/admin/outbox",                  bo_outbox,             0, "outbox.view" },
    { "GET",  "/admin/outbox/count",            bo_outbox_count,       0, "outbox.view" },
    { "GET",  "/admin/outbox/{}",               bo_outbox_show,        0, "outbox.view" },
    { "POST", "/admin/outbox/{}/resend",        bo_outbox_resend,      0, "outbox.manage" },
    { "POST", "/admin/outbox/{}/cancel",        bo_outbox_cancel,      0, "outbox.manage" },
    /* vault: tablets and enrollment review (backoffice_enroll.c) */
    { "GET",  "/admin/sites/{}/tablets",        bo_tablets,            0, "tablets.manage" },
    { "POST", "/admin/sites/{}/tablets",        bo_tablet_create,      0, "tablets.manage" },
    { "POST", "/admin/tablets/{}/revoke",       bo_tablet_revoke,      0, "tablets.manage" },
    { "POST", "/admin/tablets/{}/pairing",      bo_tablet_code,        0, "tablets.manage" },
    { "GET",  "/admin/enrollments",             bo_enrollments,        0, "enrollments.review" },
    { "GET",  "/admin/enrollments/count",       bo_enrollments_count,  0, "enrollments.review" },
    { "GET",  "/admin/enrollments/{}",          bo_enrollment_show,    0, "enrollments.review" },
    { "POST", "/admin/enrollments/{}/edit",     bo_enrollment_update,  0, "enrollments.review" },
    { "POST", "/admin/enrollments/{}/approve",  bo_enrollment_approve, 0, "enrollments.review" },
    { "POST", "/admin/enrollments/{}/reject",   bo_enrollment_reject,  0, "enrollments.review" },
    /* vault: visits (backoffice_visits.c) */
    { "GET",  "/admin/visits",                     bo_visits,            0, "visits.view" },
    { "GET",  "/admin/visits.csv",                 bo_visits_csv,        0, "visits.view" },
    { "GET",  "/admin/visits/new",                 bo_visit_new,         0, "visits.record" },
    { "GET",  "/admin/visits/verify",              bo_fp_visit_screen,   0, "visits.record" },
    { "POST", "/admin/visits/verify",              bo_fp_verify,         0, "visits.record" },
    { "POST", "/admin/visits/identify",            bo_fp_identify,       0, "visits.record" },
    { "POST", "/admin/visits",                     bo_visit_create,      0, "visits.record" },
    { "POST", "/admin/visits/{}/checkout",         bo_visit_checkout,    0, "visits.record" },
    { NULL, NULL, NULL, 0, NULL },
};

/* ---------- shared helpers ---------- */


int bo_form_error(web_req_t *req, const inv_error_t *err)
{
    render_t *r = page_r(req);
    char key[96];
    snprintf(key, sizeof key, "errors.field.%s", err->code ? err->code : "invalid");
    render_set(r, err->field ? err->field : "", "Form.error.field");
    render_set(r, render_str(r, key), "Form.error.message");
    char fkey[96];
    snprintf(fkey, sizeof fkey, "fields.%s", err->field ? err->field : "");
    render_set(r, render_str(r, fkey), "Form.error.label");
    web_set_status(req, 422);
    return 0;
}

int bo_load_site_choices(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT id, name FROM sites WHERE ? = 1 OR id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)"
        " ORDER BY name", "Ii", u->all_sites, u->id);
    if (rc) return rc;
    for (int i = 0; i < res->nrows; i++) {
        render_set(page_r(req), db_cell(res, i, 0), "Choices.sites.%d.id", i);
        render_set(page_r(req), db_cell(res, i, 1), "Choices.sites.%d.name", i);
    }
    return DB_OK;
}

int bo_form_sites(web_req_t *req, int64_t **ids, int *n)
{
    const char **vals = arena_alloc(req->arena, sizeof *vals * (req->form.count + 1));
    if (!vals) return -1;
    int k = 0;
    for (const kv_t *kv = req->form.head; kv; kv = kv->next)
        if (!strcmp(kv->name, "sites")) vals[k++] = kv->value;
    return staffadmin_parse_sites(req->arena, vals, k, ids, n);
}

void bo_csv_headers(web_req_t *req, const char *what)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    web_add_header(req, "Content-Type", "text/csv; charset=utf-8");
    web_add_header(req, "Content-Disposition",
                   arena_printf(req->arena, "attachment; filename=\"%s-%s.csv\"", what, stamp));
}

const char *bo_ids_csv(arena_t *a, const int64_t *ids, int n)
{
    const char *out = "";
    for (int i = 0; out && i < n; i++) out = arena_printf(a, "%s%s%lld", out, i ? "," : "", (long long)ids[i]);
    return out;
}

int bo_form_int(web_req_t *req, const char *name, int def)
{
    const char *v = web_form_trimmed(req, name);
    if (!*v) return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < -1000000 || n > 1000000) return -1;   /* out of every valid range */
    return (int)n;
}

int bo_in_set(const char *const *set, const char *v)
{
    for (int i = 0; v && set[i]; i++) if (!strcmp(set[i], v)) return 1;
    return 0;
}

void bo_set_row(render_t *r, const db_res_t *res, int row, const char *const *cols, const char *prefix)
{
    for (int c = 0; cols[c]; c++) render_set(r, db_cell(res, row, c), "%s.%s", prefix, cols[c]);
}

void bo_set_rows(render_t *r, const db_res_t *res, const char *const *cols, const char *node)
{
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; cols[c]; c++) render_set(r, db_cell(res, i, c), "%s.%d.%s", node, i, cols[c]);
}

/* ---------- log-in ---------- */

int bo_login_form(web_req_t *req)
{
    if (staff_user(req)) return web_redirect(req, "/admin/");
    const char *next = web_query(req, "next");
    if (staff_is_safe_next(next)) render_set(page_r(req), next, "Login.next");
    return page_render(req, "backoffice/login.cs") ? 500 : 0;
}

int bo_login(web_req_t *req)
{
    render_t *r = page_r(req);
    const char *username = web_form_trimmed(req, "username");
    const char *password = web_form(req, "password");
    const char *next = web_form(req, "next");
    auth_policy_t pol;
    auth_policy_from_config(req->w->cfg, &pol);
    char token[AUTH_TOKEN_LEN];
    auth_user_t *u = NULL;
    int rc = auth_login(page_db(req), req->arena, &pol, username, password ? password : "",
                        req->remote_addr, req->user_agent, token, &u);
    audit_actor_t who = { .type = "staff", .id = u ? u->id : 0, .name = username, .ip = req->remote_addr };
    if (rc == AUTH_DB_ERROR) return web_fail(req, 503, "database_unavailable", NULL);
    if (rc != AUTH_OK) {
        audit_write(page_db(req), &who, rc == AUTH_THROTTLED ? "login.throttled" : "login.failed", "", 0, 0, NULL);
        render_set(r, username, "Login.username");
        if (staff_is_safe_next(next)) render_set(r, next, "Login.next");
        render_set(r, render_str(r, rc == AUTH_THROTTLED ? "login.throttled" : "login.failed"), "Login.error");
        web_set_status(req, rc == AUTH_THROTTLED ? 429 : 401);
        return page_render(req, "backoffice/login.cs") ? 500 : 0;
    }
    if (!u) return web_fail(req, 503, "database_unavailable", NULL);
    audit_write(page_db(req), &who, "login", "staff_user", u->id, 0, NULL);
    long hours = config_int(req->w->cfg, "Auth.SessionHours", 12);
    web_set_cookie(req, AUTH_SESSION_COOKIE, token, hours * 3600, 1);
    return web_redirect(req, staff_is_safe_next(next) ? next : "/admin/");
}

int bo_logout(web_req_t *req)
{
    audit_actor_t who = staff_actor(req);
    auth_logout(page_db(req), web_cookie(req, AUTH_SESSION_COOKIE));
    auth_sessions_changed(staff_cache(req));
    audit_write(page_db(req), &who, "logout", "staff_user", who.id, 0, NULL);
    web_set_cookie(req, AUTH_SESSION_COOKIE, "", 0, 1);
    return web_redirect(req, "/admin/login");
}

/* ---------- dashboard ---------- */

/* A site's cells by status (total, free, occupied, reserved, out of
 * service), counted once per inventory version and then kept in the
 * worker: the overview of an operator with a million lockers would count
 * them all on every load (1.5 s measured), though they rarely change. */
static int site_cell_counts(web_req_t *req, int64_t site_id, const char *version, int64_t n[5])
{
    fragcache_t *cache = ((staff_worker_t *)req->w->app_data)->site_counts;
    char key[64];
    snprintf(key, sizeof key, "%lld:%s", (long long)site_id, version ? version : "");
    size_t len;
    long long v[5];
    const char *hit = fragcache_get(cache, key, &len);
    if (hit && sscanf(hit, "%lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5) {
        for (int k = 0; k < 5; k++) n[k] = v[k];
        return DB_OK;
    }
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT COUNT(*), COALESCE(SUM(status = 'free'), 0), COALESCE(SUM(status = 'occupied'), 0),"
        " COALESCE(SUM(status = 'reserved'), 0), COALESCE(SUM(status = 'out_of_service'), 0)"
        " FROM cells WHERE site_id = ?", "i", site_id);
    if (rc) return rc;
    for (int k = 0; k < 5; k++) n[k] = db_cell_int(res, 0, k);
    char *text = malloc(128);
    if (text) {
        int m = snprintf(text, 128, "%lld %lld %lld %lld %lld", (long long)n[0], (long long)n[1], (long long)n[2],
                         (long long)n[3], (long long)n[4]);
        fragcache_put(cache, key, text, (size_t)m + 1);
    }
    return DB_OK;
}

int bo_dashboard(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT s.id, s.name, s.time_zone, s.currency, s.mod_vault, s.mod_storage, s.mod_mailroom, s.inventory_version"
        " FROM sites s WHERE ? = 1 OR s.id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)"
        " ORDER BY s.name", "Ii", u->all_sites, u->id);
    if (rc) return page_db_fail(req, rc);
    int64_t tot[5] = { 0 };
    static const char *const cols[] = { "id", "name", "time_zone", "currency", "vault", "storage", "mailroom" };
    static const char *const tnames[] = { "cells", "free", "occupied", "reserved", "out_of_service" };
    for (int i = 0; i < res->nrows; i++) {
        for (int c = 0; c < 7; c++) render_set(r, db_cell(res, i, c), "Sites.%d.%s", i, cols[c]);
        int64_t n[5];
        if ((rc = site_cell_counts(req, db_cell_int(res, i, 0), db_cell(res, i, 7), n)) != DB_OK)
            return page_db_fail(req, rc);
        for (int k = 0; k < 5; k++) {
            render_set_int(r, n[k], "Sites.%d.%s", i, tnames[k]);
            tot[k] += n[k];
        }
    }
    render_set_int(r, res->nrows, "Totals.sites");
    for (int k = 0; k < 5; k++) render_set_int(r, tot[k], "Totals.%s", tnames[k]);
    if (auth_role_can(u->role, "audit.view")) {
        rc = db_query(page_db(req), req->arena, &res,
            "SELECT id, at, actor_name, action, object_type, object_id FROM audit_log"
            " WHERE site_id IS NULL OR ? = 1 OR site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)"
            " ORDER BY id DESC LIMIT 8", "Ii", u->all_sites, u->id);
        if (rc) return page_db_fail(req, rc);
        static const char *const acols[] = { "id", "at", "actor", "action", "object_type", "object_id" };
        for (int i = 0; i < res->nrows; i++)
            for (int c = 0; c < 6; c++) render_set(r, db_cell(res, i, c), "Recent.%d.%s", i, acols[c]);
    }
    return page_render(req, "backoffice/dashboard.cs") ? 500 : 0;
}

static const web_app_t app = {
    .name = "backoffice",
    .routes = routes,
    .worker_init = staff_worker_init,
    .before = staff_before,
    .error = page_error,
};

int main(int argc, char **argv) { return web_main(&app, argc, argv); }
