/* api.fcgi: the JSON API under /api/v1/ for integrations and devices.
 * Authenticated by API keys (Authorization: Bearer), scoped to sites;
 * every error is an RFC 9457 problem document with a stable code (see
 * lib/json.h).  The routes are described in templates/api/openapi.json,
 * which tests/integration/test_api.py keeps in step with this table.
 *
 * Handlers send their own problem documents (they carry field and reason,
 * which the web layer's error fields cannot) and return 0; what fails
 * before a handler runs (the web layer's limits, routing, the key check)
 * comes through the error hook and gets the same shape. */
#include "api.h"
#include "web.h"
#include "db.h"
#include "json.h"
#include "apikey.h"
#include "inventory.h"
#include "render.h"
#include "secret.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct api_worker {
    char *openapi;           /* the document, checked and compacted once per worker */
    size_t openapi_len;
    render_t *text;          /* templates/lang strings for problem details */
    notice_t *notices;       /* receipts of payments (lib/notice) */
};

static struct api_worker *aw_of(const web_req_t *r) { return r->w->app_data; }
static const apikey_t *key_of(const web_req_t *r) { return r->user; }

/* Who an API write is recorded as: the key, from the client's address. */
static audit_actor_t actor_of(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    audit_actor_t a = { .type = "api", .id = k->id, .name = k->name, .ip = r->remote_addr };
    /* audit_log.actor_name holds 64 characters and a key's name may have
     * 120: a long name is cut (at a character boundary) rather than make
     * every write of the key fail. */
    size_t chars = 0, cut = 0;
    for (const char *p = k->name; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && ++chars > 64) break;
        cut = (size_t)(p - k->name) + 1;
    }
    if (k->name[cut]) a.name = arena_strndup(r->arena, k->name, cut);
    return a;
}

/* ---------- problems ---------- */

/* A lang string, or NULL when there is none for key. */
static const char *text_for(const web_req_t *r, const char *prefix, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "%s%s", prefix, code);
    const char *t = render_str(aw_of(r)->text, key);
    return strcmp(t, key) != 0 ? t : NULL;
}

static int has_header(const web_req_t *r, const char *name)
{
    for (const web_header_t *h = r->headers; h; h = h->next) if (!strcasecmp(h->name, name)) return 1;
    return 0;
}

static void send_problem(web_req_t *r, int status, const char *code, const char *detail,
                         const char *field, const char *reason)
{
    /* The before hook does not run when the web layer turns a request
     * away, but these belong on every answer. */
    if (!has_header(r, "Cache-Control")) web_add_header(r, "Cache-Control", "no-store");
    if (!has_header(r, "X-Content-Type-Options")) web_add_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 503 && !has_header(r, "Retry-After")) web_add_header(r, "Retry-After", "5");
    if (!detail) detail = text_for(r, "errors.", code);
    json_send_problem(r, json_problem_at(json_problem_new(status, code, detail), field, reason));
}

/* Sends a problem now; returns 0: the response is made. */
static int problem(web_req_t *r, int status, const char *code, const char *detail)
{
    send_problem(r, status, code, detail, NULL, NULL);
    return 0;
}

static int not_found(web_req_t *r) { return problem(r, 404, "not_found", NULL); }

static int invalid(web_req_t *r, const char *field, const char *reason)
{
    const char *why = text_for(r, "errors.field.", reason);
    if (!strcmp(reason, "wrong_type")) why = "The value has the wrong JSON type (see the OpenAPI document).";
    else if (!strcmp(reason, "out_of_range")) why = "The value is out of range.";
    send_problem(r, 422, "validation_failed", arena_printf(r->arena, "%s: %s", field, why ? why : reason),
                 field, reason);
    return 0;
}

static int db_failed(web_req_t *r, int rc)
{
    switch (rc) {
    case DB_ERR_GONE:  return problem(r, 503, "database_unavailable", NULL);
    case DB_ERR_RETRY: return problem(r, 503, "database_busy", "The database was busy; send the request again.");
    case DB_ERR_FK:    return not_found(r);
    default:           return problem(r, 500, "internal", NULL);
    }
}

/* An inventory change that failed: its validation code, a taken name, or the database. */
static int inv_failed(web_req_t *r, const inv_error_t *err, int rc)
{
    if (rc == DB_ERR_DUP) {
        send_problem(r, 409, "conflict", "The name is already in use.", err->field ? err->field : "name", "taken");
        return 0;
    }
    if (rc == DB_ERR_FK || rc == DB_ERR_GONE || rc == DB_ERR_RETRY || !err->code) return db_failed(r, rc);
    return invalid(r, err->field, err->code);
}

/* ---------- request bodies ---------- */

/* The request body as a JSON object, or NULL when a problem has been sent. */
static json_t *body_object(web_req_t *r)
{
    if (!json_media_type_ok(r->content_type)) {
        problem(r, 415, "unsupported_media_type", "Send the body as application/json.");
        return NULL;
    }
    json_error_t e;
    /* Duplicate members are refused: which one wins differs between parsers. */
    json_t *j = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        problem(r, 400, "bad_json", arena_printf(r->arena, "Not valid JSON: %s (line %d, column %d).",
                                                 e.text, e.line, e.column));
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        problem(r, 400, "bad_json", "The body must be a JSON object.");
        return NULL;
    }
    return j;
}

/* Reads one member into place; a wrong one answers 422 naming it and ends
 * the handler.  Strings are copied to the arena, so body may go early. */
#define TAKE(field, call) \
    do { if ((call) != 0) { json_decref(body); return invalid(r, (field), why); } } while (0)

static int fail_with(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

/* Wide enough for any int member; the real limits are lib/inventory's. */
#define INT_MIN_ACCEPTED (-1000000)
#define INT_MAX_ACCEPTED 1000000

/* ---------- shared with the other api_*.c (api.h) ---------- */

const apikey_t *api_key(const web_req_t *r) { return key_of(r); }
audit_actor_t api_actor(web_req_t *r) { return actor_of(r); }
notice_t *api_notices(const web_req_t *r) { return aw_of(r)->notices; }
int api_problem(web_req_t *r, int status, const char *code, const char *detail) { return problem(r, status, code, detail); }
int api_problem_at(web_req_t *r, int status, const char *code, const char *detail, const char *field, const char *reason)
{
    send_problem(r, status, code, detail, field, reason);
    return 0;
}
int api_not_found(web_req_t *r) { return not_found(r); }
int api_invalid(web_req_t *r, const char *field, const char *reason) { return invalid(r, field, reason); }
int api_db_failed(web_req_t *r, int rc) { return db_failed(r, rc); }
json_t *api_body_object(web_req_t *r) { return body_object(r); }

/* ---------- public ---------- */

static int health(web_req_t *r)
{
    if (db_ping(r->w->db) != DB_OK) return problem(r, 503, "database_unavailable", NULL);
    return json_send(r, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

static int openapi(web_req_t *r)
{
    web_add_header(r, "Content-Type", "application/json");
    web_write(r, aw_of(r)->openapi, aw_of(r)->openapi_len);
    return 0;
}

/* ---------- sites ---------- */

#define SITE_COLS "SELECT id, name, address, time_zone, currency, languages, mod_vault AS vault," \
                  " mod_storage AS storage, mod_mailroom AS mailroom, created_at, updated_at FROM sites"
#define SITE_TYPES "issssl" "bbb" "tt"

static json_t *site_json(const db_res_t *res, int row)
{
    json_t *o = json_row(res, row, SITE_TYPES);
    json_t *mods = json_object();
    static const char *const m[] = { "vault", "storage", "mailroom" };
    for (int i = 0; i < 3; i++) {
        json_object_set(mods, m[i], json_object_get(o, m[i]));
        json_object_del(o, m[i]);
    }
    json_object_set_new(o, "modules", mods);
    return o;
}

static int sites_list(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res,
        SITE_COLS " WHERE ? = 1 OR id IN (SELECT site_id FROM api_key_sites WHERE key_id = ?) ORDER BY id",
        "Ii", k->all_sites, k->id);
    if (rc) return db_failed(r, rc);
    json_t *a = json_array();
    for (int i = 0; i < res->nrows; i++) json_array_append_new(a, site_json(res, i));
    return json_send(r, 200, json_pack("{s:o}", "sites", a));
}

static int send_site(web_req_t *r, int64_t id, int status)
{
    /* Scope first: another site's id answers exactly like a missing one. */
    if (!apikey_can_see_site(key_of(r), id)) return not_found(r);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, SITE_COLS " WHERE id = ?", "i", id);
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1) return not_found(r);
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/sites/%lld", (long long)id));
    return json_send(r, status, site_json(res, 0));
}

static int site_get(web_req_t *r) { return send_site(r, web_param_id(r, 0), 200); }

static int site_create(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    if (!k->can_write || !k->all_sites)
        return problem(r, 403, "forbidden", "Creating sites needs a key for all sites that may write.");
    json_t *body = body_object(r);
    if (!body) return 0;
    const char *why = NULL;
    inv_site_t s = { 0 };
    TAKE("name", json_get_string(body, "name", 1, NULL, r->arena, &s.name, &why));
    TAKE("address", json_get_string(body, "address", 0, "", r->arena, &s.address, &why));
    TAKE("time_zone", json_get_string(body, "time_zone", 1, NULL, r->arena, &s.time_zone, &why));
    TAKE("currency", json_get_string(body, "currency", 1, NULL, r->arena, &s.currency, &why));
    TAKE("languages", json_get_csv(body, "languages", 16, r->arena, &s.languages, &why));
    json_t *mods = json_object_get(body, "modules");
    if (mods && !json_is_null(mods) && !json_is_object(mods)) TAKE("modules", fail_with(&why, "wrong_type"));
    TAKE("vault", json_get_bool(mods, "vault", 0, &s.mod_vault, &why));
    TAKE("storage", json_get_bool(mods, "storage", 0, &s.mod_storage, &why));
    TAKE("mailroom", json_get_bool(mods, "mailroom", 0, &s.mod_mailroom, &why));
    json_decref(body);

    inv_error_t err = { 0 };
    if (inv_validate_site(&s, config_get(r->w->cfg, "Lang.Available", "en"), &err) != 0)
        return invalid(r, err.field, err.code);
    int64_t id = 0;
    audit_actor_t who = actor_of(r);
    int rc = inv_site_create(r->w->db, &who, &s, &id, &err);
    if (rc) return inv_failed(r, &err, rc);
    return send_site(r, id, 201);
}

/* ---------- banks and cells ---------- */

#define BANK_COLS "SELECT b.id, b.site_id, b.name, b.location, b.columns," \
                  " (SELECT COUNT(*) FROM cells c WHERE c.bank_id = b.id) AS cell_count, b.created_at FROM banks b"
#define BANK_TYPES "iissiit"
#define CELL_COLS "SELECT id, bank_id, site_id, number, label, size_class AS size, width_mm, height_mm, depth_mm," \
                  " features, status, service_reason, service_since, updated_at FROM cells"
#define CELL_TYPES "iiiiss" "iii" "lsstt"

static int banks_list(web_req_t *r)
{
    int64_t site = web_param_id(r, 0);
    if (!apikey_can_see_site(key_of(r), site)) return not_found(r);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT id FROM sites WHERE id = ?", "i", site);
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1) return not_found(r);
    rc = db_query(r->w->db, r->arena, &res, BANK_COLS " WHERE b.site_id = ? ORDER BY b.id", "i", site);
    if (rc) return db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o}", "banks", json_rows(res, BANK_TYPES)));
}

/* A bank with its cells (or only the cells), after the scope check. */
static int send_bank(web_req_t *r, int64_t id, int status, int with_bank)
{
    db_res_t *bank, *cells;
    int rc = db_query(r->w->db, r->arena, &bank, BANK_COLS " WHERE b.id = ?", "i", id);
    if (rc) return db_failed(r, rc);
    if (bank->nrows != 1 || !apikey_can_see_site(key_of(r), db_cell_int(bank, 0, 1))) return not_found(r);
    rc = db_query(r->w->db, r->arena, &cells, CELL_COLS " WHERE bank_id = ? ORDER BY number", "i", id);
    if (rc) return db_failed(r, rc);
    if (!with_bank) return json_send(r, status, json_pack("{s:o}", "cells", json_rows(cells, CELL_TYPES)));
    json_t *o = json_row(bank, 0, BANK_TYPES);
    json_object_set_new(o, "cells", json_rows(cells, CELL_TYPES));
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/banks/%lld", (long long)id));
    return json_send(r, status, o);
}

static int bank_get(web_req_t *r) { return send_bank(r, web_param_id(r, 0), 200, 1); }
static int bank_cells(web_req_t *r) { return send_bank(r, web_param_id(r, 0), 200, 0); }

static int bank_create(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    int64_t site = web_param_id(r, 0);
    if (!apikey_can_see_site(k, site)) return not_found(r);
    if (!k->can_write) return problem(r, 403, "forbidden", "This key may only read.");
    json_t *body = body_object(r);
    if (!body) return 0;
    const char *why = NULL;
    inv_bank_t b = { .site_id = site };
    TAKE("name", json_get_string(body, "name", 1, NULL, r->arena, &b.name, &why));
    TAKE("location", json_get_string(body, "location", 0, "", r->arena, &b.location, &why));
    TAKE("label_prefix", json_get_string(body, "label_prefix", 0, "", r->arena, &b.label_prefix, &why));
    TAKE("columns", json_get_int(body, "columns", 6, INT_MIN_ACCEPTED, INT_MAX_ACCEPTED, &b.columns, &why));
    json_t *groups = json_object_get(body, "groups");
    if (!groups || json_is_null(groups)) TAKE("groups", fail_with(&why, "required"));
    if (!json_is_array(groups)) TAKE("groups", fail_with(&why, "wrong_type"));
    /* A bank has at most one group per size class (inv_bank_t.groups). */
    size_t max_groups = sizeof b.groups / sizeof b.groups[0];
    if (json_array_size(groups) < 1 || json_array_size(groups) > max_groups) TAKE("groups", fail_with(&why, "out_of_range"));
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        inv_size_group_t *sg = &b.groups[b.ngroups++];
        if (!json_is_object(g)) TAKE("groups", fail_with(&why, "wrong_type"));
        TAKE("size", json_get_string(g, "size", 1, NULL, r->arena, &sg->size, &why));
        int w = 0, h = 0, d = 0;
        inv_default_dims(sg->size, &w, &h, &d);   /* an unknown size is lib/inventory's to report */
        TAKE("count", json_get_int(g, "count", 0, INT_MIN_ACCEPTED, INT_MAX_ACCEPTED, &sg->count, &why));
        TAKE("width_mm", json_get_int(g, "width_mm", w, INT_MIN_ACCEPTED, INT_MAX_ACCEPTED, &sg->width_mm, &why));
        TAKE("height_mm", json_get_int(g, "height_mm", h, INT_MIN_ACCEPTED, INT_MAX_ACCEPTED, &sg->height_mm, &why));
        TAKE("depth_mm", json_get_int(g, "depth_mm", d, INT_MIN_ACCEPTED, INT_MAX_ACCEPTED, &sg->depth_mm, &why));
        TAKE("features", json_get_csv(g, "features", 8, r->arena, &sg->features, &why));
    }
    json_decref(body);

    inv_error_t err = { 0 };
    if (inv_validate_bank(&b, &err) != 0) return invalid(r, err.field, err.code);
    int64_t id = 0;
    audit_actor_t who = actor_of(r);
    int rc = inv_bank_create(r->w->db, r->arena, &who, &b, &id, &err);
    if (rc) return inv_failed(r, &err, rc);
    return send_bank(r, id, 201, 1);
}

static int cell_get(web_req_t *r)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, CELL_COLS " WHERE id = ?", "i", web_param_id(r, 0));
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(key_of(r), db_cell_int(res, 0, 2))) return not_found(r);
    return json_send(r, 200, json_row(res, 0, CELL_TYPES));
}

/* ---------- the program ---------- */

/* Bearer keys, no cookies: nothing here can be forged cross-site, so
 * every route is WEB_NO_CSRF. */
static const web_route_t routes[] = {
    { "GET",  "/api/v1/health",           health,      WEB_PUBLIC | WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/openapi.json",     openapi,     WEB_PUBLIC | WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites",            sites_list,  WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/sites",            site_create, WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites/{}",         site_get,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites/{}/banks",   banks_list,  WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/sites/{}/banks",   bank_create, WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/banks/{}",         bank_get,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/banks/{}/cells",   bank_cells,  WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/cells/{}",         cell_get,    WEB_NO_CSRF, NULL },
    /* doors: opening cells through boardd, door states (api_boards.c) */
    { "POST", "/api/v1/cells/{}/open",    api_cell_open,  WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites/{}/doors",   api_site_doors, WEB_NO_CSRF, NULL },
    /* vault: customers, accounts, contracts, visits (api_vault.c) */
    { "GET",  "/api/v1/customers",                api_customers_list,     WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/customers",                api_customer_create,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/customers/{}",             api_customer_get,       WEB_NO_CSRF, NULL },
    { "PATCH", "/api/v1/customers/{}",            api_customer_update,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/customers/{}/balance",     api_customer_balance,   WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/customers/{}/statement",   api_customer_statement, WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/customers/{}/payments",    api_customer_payments,  WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/payments",                 api_payment_create,     WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/contracts",                api_contracts_list,     WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/contracts",                api_contract_create,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/contracts/{}",             api_contract_get,       WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/visits",                   api_visits_list,        WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/visits",                   api_visit_create,       WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/visits/{}/checkout",       api_visit_checkout,     WEB_NO_CSRF, NULL },
    { NULL, NULL, NULL, 0, NULL },
};

static int before(web_req_t *r, const web_route_t *rt)
{
    web_add_header(r, "Cache-Control", "no-store");
    web_add_header(r, "X-Content-Type-Options", "nosniff");
    if (!rt || (rt->flags & WEB_PUBLIC)) return 0;
    apikey_t *k = NULL;
    int rc = apikey_resolve(r->w->db, r->arena, r->authorization, &k);
    if (rc == APIKEY_DB_ERROR) return web_fail(r, 503, "database_unavailable", NULL);
    if (rc != APIKEY_OK) {
        web_add_header(r, "WWW-Authenticate", "Bearer realm=\"strongroom\"");
        return web_fail(r, 401, "unauthorized", "Send a valid API key as: Authorization: Bearer <key>.");
    }
    r->user = k;
    /* Ids in paths are positive integers; anything else names nothing. */
    for (int i = 0; i < r->nparams; i++)
        if (web_param_id(r, i) < 0) return web_fail(r, 404, "not_found", NULL);
    return 0;
}

/* Everything turned away before a handler ran: the web layer's limits
 * (413 body_too_large, 400 bad_length, ...), unknown paths and methods,
 * the key check. */
static void error(web_req_t *r, int status)
{
    static const struct { int status; const char *code; } general[] = {
        { 400, "bad_request" }, { 401, "unauthorized" }, { 403, "forbidden" }, { 404, "not_found" },
        { 405, "method_not_allowed" }, { 409, "conflict" }, { 413, "body_too_large" },
        { 415, "unsupported_media_type" }, { 422, "validation_failed" }, { 503, "database_unavailable" },
    };
    const char *code = r->error_code;
    if (!code) {
        code = "internal";
        for (size_t i = 0; i < sizeof general / sizeof general[0]; i++)
            if (general[i].status == status) code = general[i].code;
    }
    send_problem(r, status, code, r->error_detail, r->error_field, NULL);
}

static int load_openapi(struct api_worker *aw, const char *templates)
{
    char path[700];
    snprintf(path, sizeof path, "%s/api/openapi.json", templates);
    json_error_t e;
    /* Parsed at start: a broken document stops the worker here, loudly,
     * instead of being served. */
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!doc) { log_error("%s: line %d: %s", path, e.line, e.text); return -1; }
    aw->openapi = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!aw->openapi) { log_error("%s: cannot serialise", path); return -1; }
    aw->openapi_len = strlen(aw->openapi);
    return 0;
}

static int worker_init(web_worker_t *w)
{
    char err[512];
    if (secret_init() != 0) { log_error("libsodium failed to start"); return -1; }
    w->db = db_open(w->cfg, "api", err, sizeof err);
    if (!w->db) { log_error("%s", err); return -1; }
    struct api_worker *aw = calloc(1, sizeof *aw);
    if (!aw) return -1;
    w->app_data = aw;
    const char *templates = config_get(w->cfg, "Paths.Templates", "templates");
    if (load_openapi(aw, templates) != 0) return -1;
    /* Problem details are in English, whatever the sites speak: API
     * clients log them, operators read them in one language. */
    aw->text = render_new(templates, "en", "en", err, sizeof err);
    if (!aw->text) { log_error("%s", err); return -1; }
    aw->notices = notice_new(w->cfg, err, sizeof err);
    if (!aw->notices) { log_error("%s", err); return -1; }
    db_ping(w->db);   /* connect early when we can; later requests reconnect */
    return 0;
}

static const web_app_t app = {
    .name = "api",
    .routes = routes,
    .worker_init = worker_init,
    .before = before,
    .error = error,
};

int main(int argc, char **argv) { return web_main(&app, argc, argv); }
