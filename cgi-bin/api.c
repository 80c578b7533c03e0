/* api.fcgi: the JSON API under /api/v1/ for integrations and devices.
 * Authenticated by API keys (Authorization: Bearer), scoped to sites;
 * every error is an RFC 9457 problem document with a stable code.  The
 * routes are described in templates/api/openapi.json, which a test keeps
 * in step with this table. */
#include "web.h"
#include "db.h"
#include "json.h"
#include "apikey.h"
#include "inventory.h"
#include "secret.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct api_worker {
    char *openapi;           /* the document, read once per worker */
    size_t openapi_len;
};

static const apikey_t *key_of(const web_req_t *r) { return r->user; }

static audit_actor_t actor_of(const web_req_t *r)
{
    const apikey_t *k = key_of(r);
    audit_actor_t a = { .type = "api", .id = k->id, .name = k->name, .ip = r->remote_addr };
    return a;
}

static int db_failed(web_req_t *r, int rc)
{
    return rc == DB_ERR_GONE ? web_fail(r, 503, "database_unavailable", "The database cannot be reached right now.")
                             : web_fail(r, 500, "internal", NULL);
}

/* The request body as a JSON object, or a failure status. */
static int body_object(web_req_t *r, json_t **out)
{
    if (!r->content_type || strncasecmp(r->content_type, "application/json", 16) != 0)
        return web_fail(r, 415, "unsupported_media_type", "Send the body as application/json.");
    json_error_t e;
    json_t *j = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j) return web_fail(r, 400, "bad_json", arena_printf(r->arena, "Not valid JSON: %s (line %d).", e.text, e.line));
    if (!json_is_object(j)) { json_decref(j); return web_fail(r, 400, "bad_json", "The body must be a JSON object."); }
    *out = j;
    return 0;
}

/* Typed member access: a wrong type is a validation failure naming the field. */
static int member_string(web_req_t *r, json_t *o, const char *name, int required, const char **out)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        *out = required ? NULL : "";
        return required ? web_fail(r, 422, "validation_failed", "This is required.") : 0;
    }
    if (!json_is_string(v)) return web_fail(r, 422, "validation_failed", "Expected a string.");
    *out = arena_strdup(r->arena, json_string_value(v));
    return 0;
}

static int member_int(web_req_t *r, json_t *o, const char *name, int def, int *out)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_integer(v) || json_integer_value(v) < -1000000 || json_integer_value(v) > 1000000)
        return web_fail(r, 422, "validation_failed", "Expected an integer.");
    *out = (int)json_integer_value(v);
    return 0;
}

/* ["a","b"] -> "a,b" */
static int member_list(web_req_t *r, json_t *o, const char *name, const char **out)
{
    json_t *v = json_object_get(o, name);
    *out = "";
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v) || json_array_size(v) > 16) return web_fail(r, 422, "validation_failed", "Expected a list of strings.");
    size_t i;
    json_t *item;
    char *acc = "";
    json_array_foreach(v, i, item) {
        if (!json_is_string(item) || strchr(json_string_value(item), ','))
            return web_fail(r, 422, "validation_failed", "Expected a list of strings.");
        acc = arena_printf(r->arena, "%s%s%s", acc, *acc ? "," : "", json_string_value(item));
    }
    *out = acc;
    return 0;
}

/* Reads one member; on failure names the field and ends the handler. */
#define FIELD(name, call) do { if (call) { r->error_field = (name); json_decref(body); return 422; } } while (0)

static int inv_failed(web_req_t *r, const inv_error_t *err, int rc)
{
    if (err->code) {
        r->error_field = err->field;
        if (!strcmp(err->code, "taken")) return web_fail(r, 409, "conflict", "The name is already in use.");
        return web_fail(r, 422, "validation_failed", arena_printf(r->arena, "%s: %s", err->field, err->code));
    }
    return db_failed(r, rc);
}

/* ---------- sites ---------- */

#define SITE_COLS "SELECT id, name, address, time_zone, currency, languages, mod_vault AS vault," \
                  " mod_storage AS storage, mod_mailroom AS mailroom, created_at FROM sites"
#define SITE_TYPES "issssl" "bbbt"

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

static int health(web_req_t *r)
{
    if (db_ping(r->w->db) != DB_OK)
        return web_fail(r, 503, "database_unavailable", "The database cannot be reached right now.");
    return json_send(r, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

static int openapi(web_req_t *r)
{
    struct api_worker *aw = r->w->app_data;
    web_add_header(r, "Content-Type", "application/json");
    web_write(r, aw->openapi, aw->openapi_len);
    return 0;
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
    if (!apikey_can_see_site(key_of(r), id)) return web_fail(r, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, SITE_COLS " WHERE id = ?", "i", id);
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1) return web_fail(r, 404, "not_found", NULL);
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/sites/%lld", (long long)id));
    return json_send(r, status, site_json(res, 0));
}

static int site_get(web_req_t *r) { return send_site(r, web_param_id(r, 0), 200); }

static int site_create(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    if (!k->can_write || !k->all_sites)
        return web_fail(r, 403, "forbidden", "Creating sites needs a key for all sites that may write.");
    json_t *body = NULL;
    int rc = body_object(r, &body);
    if (rc) return rc;
    inv_site_t s = { 0 };
    json_t *mods = json_object_get(body, "modules");
    FIELD("name", member_string(r, body, "name", 1, &s.name));
    FIELD("address", member_string(r, body, "address", 0, &s.address));
    FIELD("time_zone", member_string(r, body, "time_zone", 1, &s.time_zone));
    FIELD("currency", member_string(r, body, "currency", 1, &s.currency));
    FIELD("languages", member_list(r, body, "languages", &s.languages));
    if (mods && !json_is_object(mods)) FIELD("modules", web_fail(r, 422, "validation_failed", "Expected an object."));
    s.mod_vault = json_is_true(json_object_get(mods, "vault"));
    s.mod_storage = json_is_true(json_object_get(mods, "storage"));
    s.mod_mailroom = json_is_true(json_object_get(mods, "mailroom"));
    json_decref(body);
    inv_error_t err = { 0 };
    if (inv_validate_site(&s, config_get(r->w->cfg, "Lang.Available", "en"), &err) != 0)
        return inv_failed(r, &err, DB_ERR);
    int64_t id;
    audit_actor_t who = actor_of(r);
    rc = inv_site_create(r->w->db, &who, &s, &id, &err);
    if (rc) return inv_failed(r, &err, rc);
    return send_site(r, id, 201);
}

/* ---------- banks and cells ---------- */

#define BANK_COLS "SELECT b.id, b.site_id, b.name, b.location, b.columns," \
                  " (SELECT COUNT(*) FROM cells c WHERE c.bank_id = b.id) AS cells, b.created_at FROM banks b"
#define BANK_TYPES "iissiit"
#define CELL_COLS "SELECT id, bank_id, site_id, number, label, size_class AS size, width_mm, height_mm, depth_mm," \
                  " features, status, service_reason, service_since FROM cells"
#define CELL_TYPES "iiiissiiilsst"

static int banks_list(web_req_t *r)
{
    int64_t site = web_param_id(r, 0);
    if (!apikey_can_see_site(key_of(r), site)) return web_fail(r, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, SITE_COLS " WHERE id = ?", "i", site);
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1) return web_fail(r, 404, "not_found", NULL);
    rc = db_query(r->w->db, r->arena, &res, BANK_COLS " WHERE b.site_id = ? ORDER BY b.id", "i", site);
    if (rc) return db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o}", "banks", json_rows(res, BANK_TYPES)));
}

/* The bank with its cells, after a scope check. */
static int send_bank(web_req_t *r, int64_t id, int status, int with_bank)
{
    db_res_t *bank, *cells;
    int rc = db_query(r->w->db, r->arena, &bank, BANK_COLS " WHERE b.id = ?", "i", id);
    if (rc) return db_failed(r, rc);
    if (bank->nrows != 1 || !apikey_can_see_site(key_of(r), db_cell_int(bank, 0, 1)))
        return web_fail(r, 404, "not_found", NULL);
    rc = db_query(r->w->db, r->arena, &cells, CELL_COLS " WHERE bank_id = ? ORDER BY number", "i", id);
    if (rc) return db_failed(r, rc);
    if (!with_bank) return json_send(r, status, json_pack("{s:o}", "cells", json_rows(cells, CELL_TYPES)));
    json_t *o = json_row(bank, 0, BANK_TYPES);
    json_object_set_new(o, "cell_list", json_rows(cells, CELL_TYPES));
    if (status == 201) web_add_header(r, "Location", arena_printf(r->arena, "/api/v1/banks/%lld", (long long)id));
    return json_send(r, status, o);
}

static int bank_get(web_req_t *r) { return send_bank(r, web_param_id(r, 0), 200, 1); }
static int bank_cells(web_req_t *r) { return send_bank(r, web_param_id(r, 0), 200, 0); }

static int bank_create(web_req_t *r)
{
    const apikey_t *k = key_of(r);
    int64_t site = web_param_id(r, 0);
    if (!apikey_can_see_site(k, site)) return web_fail(r, 404, "not_found", NULL);
    if (!k->can_write) return web_fail(r, 403, "forbidden", "This key may only read.");
    json_t *body = NULL;
    int rc = body_object(r, &body);
    if (rc) return rc;
    inv_bank_t b = { .site_id = site };
    FIELD("name", member_string(r, body, "name", 1, &b.name));
    FIELD("location", member_string(r, body, "location", 0, &b.location));
    FIELD("label_prefix", member_string(r, body, "label_prefix", 0, &b.label_prefix));
    FIELD("columns", member_int(r, body, "columns", 6, &b.columns));
    json_t *groups = json_object_get(body, "groups");
    if (!json_is_array(groups) || json_array_size(groups) < 1 || json_array_size(groups) > 4)
        FIELD("groups", web_fail(r, 422, "validation_failed", "Give 1 to 4 groups of cells."));
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        inv_size_group_t *sg = &b.groups[b.ngroups++];
        if (!json_is_object(g)) FIELD("groups", web_fail(r, 422, "validation_failed", "Each group is an object."));
        FIELD("size", member_string(r, g, "size", 1, &sg->size));
        int w = 0, h = 0, d = 0;
        inv_default_dims(sg->size, &w, &h, &d);
        FIELD("count", member_int(r, g, "count", 0, &sg->count));
        FIELD("width_mm", member_int(r, g, "width_mm", w, &sg->width_mm));
        FIELD("height_mm", member_int(r, g, "height_mm", h, &sg->height_mm));
        FIELD("depth_mm", member_int(r, g, "depth_mm", d, &sg->depth_mm));
        FIELD("features", member_list(r, g, "features", &sg->features));
    }
    json_decref(body);
    inv_error_t err = { 0 };
    if (inv_validate_bank(&b, &err) != 0) return inv_failed(r, &err, DB_ERR);
    int64_t id;
    audit_actor_t who = actor_of(r);
    rc = inv_bank_create(r->w->db, r->arena, &who, &b, &id, &err);
    if (rc) return inv_failed(r, &err, rc);
    return send_bank(r, id, 201, 1);
}

static int cell_get(web_req_t *r)
{
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, CELL_COLS " WHERE id = ?", "i", web_param_id(r, 0));
    if (rc) return db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(key_of(r), db_cell_int(res, 0, 2)))
        return web_fail(r, 404, "not_found", NULL);
    return json_send(r, 200, json_row(res, 0, CELL_TYPES));
}

/* ---------- the program ---------- */

static const web_route_t routes[] = {
    { "GET",  "/api/v1/health",           health,      WEB_PUBLIC, NULL },
    { "GET",  "/api/v1/openapi.json",     openapi,     WEB_PUBLIC, NULL },
    { "GET",  "/api/v1/sites",            sites_list,  WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/sites",            site_create, WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites/{}",         site_get,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/sites/{}/banks",   banks_list,  WEB_NO_CSRF, NULL },
    { "POST", "/api/v1/sites/{}/banks",   bank_create, WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/banks/{}",         bank_get,    WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/banks/{}/cells",   bank_cells,  WEB_NO_CSRF, NULL },
    { "GET",  "/api/v1/cells/{}",         cell_get,    WEB_NO_CSRF, NULL },
    { NULL, NULL, NULL, 0, NULL },
};

static int before(web_req_t *r, const web_route_t *rt)
{
    web_add_header(r, "Cache-Control", "no-store");
    web_add_header(r, "X-Content-Type-Options", "nosniff");
    if (!rt || (rt->flags & WEB_PUBLIC)) return 0;
    apikey_t *k = NULL;
    int rc = apikey_resolve(r->w->db, r->arena, r->authorization, &k);
    if (rc == APIKEY_DB_ERROR) return web_fail(r, 503, "database_unavailable", "The database cannot be reached right now.");
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

static void error(web_req_t *r, int status)
{
    static const struct { int status; const char *code; } codes[] = {
        { 400, "bad_request" }, { 401, "unauthorized" }, { 403, "forbidden" }, { 404, "not_found" },
        { 405, "method_not_allowed" }, { 409, "conflict" }, { 413, "payload_too_large" },
        { 415, "unsupported_media_type" }, { 422, "validation_failed" }, { 503, "database_unavailable" },
    };
    const char *code = r->error_code;
    /* The web layer's own codes (bad_multipart, body_too_large...) stay; the
     * rest get the status's general code. */
    if (!code || !strcmp(code, "internal")) {
        code = "internal";
        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) if (codes[i].status == status) code = codes[i].code;
    }
    json_send_problem(r, status, code, r->error_detail, r->error_field);
}

static int worker_init(web_worker_t *w)
{
    char err[256];
    if (secret_init() != 0) return -1;
    w->db = db_open(w->cfg, "api", err, sizeof err);
    if (!w->db) { log_error("%s", err); return -1; }
    struct api_worker *aw = calloc(1, sizeof *aw);
    if (!aw) return -1;
    w->app_data = aw;
    char path[600];
    snprintf(path, sizeof path, "%s/api/openapi.json", config_get(w->cfg, "Paths.Templates", "templates"));
    FILE *f = fopen(path, "rb");
    if (!f) { log_error("cannot read %s", path); return -1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    aw->openapi = n > 0 ? malloc((size_t)n) : NULL;
    int ok = aw->openapi && fread(aw->openapi, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!ok) { log_error("cannot read %s", path); return -1; }
    aw->openapi_len = (size_t)n;
    db_ping(w->db);
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
