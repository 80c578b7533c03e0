#include "inventory.h"
#include "log.h"
#include "utf8.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const inv_sizes[] = { "S", "M", "L", "XL", NULL };
const char *const inv_features[] = { "charging", "refrigerated", "heated", "accessible", NULL };

static const struct { const char *size; int w, h, d; } default_dims[] = {
    { "S", 400, 100, 500 }, { "M", 400, 200, 500 }, { "L", 400, 400, 500 }, { "XL", 600, 600, 600 },
};

int inv_default_dims(const char *size, int *w, int *h, int *d)
{
    for (size_t i = 0; i < sizeof default_dims / sizeof default_dims[0]; i++)
        if (size && !strcmp(size, default_dims[i].size)) {
            *w = default_dims[i].w; *h = default_dims[i].h; *d = default_dims[i].d;
            return 1;
        }
    return 0;
}

static int fail(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return -1;
}

static int in_list(const char *const *list, const char *s, size_t n)
{
    for (int i = 0; list[i]; i++) if (strlen(list[i]) == n && !strncmp(list[i], s, n)) return 1;
    return 0;
}

int inv_valid_size(const char *size) { return size && in_list(inv_sizes, size, strlen(size)); }

int inv_valid_features(const char *csv)
{
    if (!csv) return 1;
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || !in_list(inv_features, p, n)) return 0;
        if (!e) break;
        p = e + 1;
        if (!*p) return 0;
    }
    return 1;
}

int inv_valid_time_zone(const char *tz)
{
    /* Area/Location names only, checked against the system zone database
     * so the billing run can compute "the 1st" in that zone later. */
    if (!tz || !*tz || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, "..")) return 0;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return 0;
    if (!strcmp(tz, "UTC")) return 1;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Lengths in characters, as VARCHAR counts them; input is valid UTF-8 (web.c). */
static int text_ok(const char *s, size_t max) { return s && utf8_chars(s) <= max; }
static int nonblank(const char *s) { if (!s) return 0; for (; *s; s++) if (*s != ' ' && *s != '\t') return 1; return 0; }

int inv_validate_site(const inv_site_t *s, const char *available, inv_error_t *err)
{
    if (!nonblank(s->name)) return fail(err, "name", "required");
    if (!text_ok(s->name, 120)) return fail(err, "name", "too_long");
    if (s->address && !text_ok(s->address, 255)) return fail(err, "address", "too_long");
    if (!inv_valid_time_zone(s->time_zone)) return fail(err, "time_zone", "bad_time_zone");
    const char *c = s->currency;
    if (!c || strlen(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z')
        return fail(err, "currency", "bad_currency");
    if (!s->languages || !*s->languages || strlen(s->languages) > 64) return fail(err, "languages", "bad_languages");
    char list[80];
    snprintf(list, sizeof list, "%s", s->languages);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *hit = strstr(available, t);
        size_t n = strlen(t);
        if (!hit || n != 2 || (hit != available && hit[-1] != ',') || (hit[n] && hit[n] != ','))
            return fail(err, "languages", "bad_languages");
    }
    return s->billing ? inv_validate_billing(s->billing, err) : 0;
}

int inv_validate_billing(const inv_billing_t *b, inv_error_t *err)
{
    if (!b->prorate || (strcmp(b->prorate, "daily") != 0 && strcmp(b->prorate, "none") != 0))
        return fail(err, "bill_prorate", "bad_prorate");
    if (b->notice_days < 0 || b->notice_days > 60) return fail(err, "bill_notice_days", "bad_notice_days");
    if (b->overdue_days < 1 || b->overdue_days > 365) return fail(err, "bill_overdue_days", "bad_overdue_days");
    if (b->suspend_days < 1 || b->suspend_days > 365) return fail(err, "bill_suspend_days", "bad_suspend_days");
    /* Suspension is the later, harder step: a customer is overdue first. */
    if (b->suspend_days <= b->overdue_days) return fail(err, "bill_suspend_days", "suspend_before_overdue");
    if (b->max_periods < 1 || b->max_periods > 24) return fail(err, "bill_max_periods", "bad_max_periods");
    return 0;
}

int inv_validate_bank(const inv_bank_t *b, inv_error_t *err)
{
    if (!nonblank(b->name)) return fail(err, "name", "required");
    if (!text_ok(b->name, 120)) return fail(err, "name", "too_long");
    if (b->location && !text_ok(b->location, 255)) return fail(err, "location", "too_long");
    if (b->label_prefix && !text_ok(b->label_prefix, 16)) return fail(err, "label_prefix", "too_long");
    if (b->columns < 1 || b->columns > 48) return fail(err, "columns", "bad_columns");
    int total = 0;
    for (int i = 0; i < b->ngroups; i++) {
        const inv_size_group_t *g = &b->groups[i];
        if (!inv_valid_size(g->size)) return fail(err, "size", "bad_size");
        if (g->count < 0 || g->count > INV_MAX_CELLS_PER_BANK) return fail(err, "count", "bad_count");
        if (g->count == 0) continue;
        if (g->width_mm < 50 || g->width_mm > 3000 || g->height_mm < 50 || g->height_mm > 3000 ||
            g->depth_mm < 50 || g->depth_mm > 3000)
            return fail(err, "dimensions", "bad_dimensions");
        if (!inv_valid_features(g->features)) return fail(err, "features", "bad_features");
        total += g->count;
    }
    if (total < 1) return fail(err, "count", "no_cells");
    if (total > INV_MAX_CELLS_PER_BANK) return fail(err, "count", "bad_count");
    return 0;
}

int inv_validate_cell(const inv_cell_t *c, inv_error_t *err)
{
    if (!nonblank(c->label)) return fail(err, "label", "required");
    if (!text_ok(c->label, 32)) return fail(err, "label", "too_long");
    if (!inv_valid_size(c->size)) return fail(err, "size", "bad_size");
    if (c->width_mm < 50 || c->width_mm > 3000 || c->height_mm < 50 || c->height_mm > 3000 ||
        c->depth_mm < 50 || c->depth_mm > 3000)
        return fail(err, "dimensions", "bad_dimensions");
    if (!inv_valid_features(c->features)) return fail(err, "features", "bad_features");
    return 0;
}

/* ---------- changes ---------- */

static char *site_json(const inv_site_t *s)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "name", s->name, "time_zone", s->time_zone,
                          "currency", s->currency, "languages", s->languages, "vault", s->mod_vault,
                          "storage", s->mod_storage, "mailroom", s->mod_mailroom);
    const inv_billing_t *b = s->billing;
    if (j && b)
        json_object_set_new(j, "billing", json_pack("{s:s, s:i, s:i, s:i, s:i}", "prorate", b->prorate,
                                                    "notice_days", b->notice_days, "overdue_days", b->overdue_days,
                                                    "suspend_days", b->suspend_days, "max_periods", b->max_periods));
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

/* Commits, or rolls back and passes the failure on. */
static int finish(db_t *db, int rc)
{
    if (rc == DB_OK) return db_commit(db);
    db_rollback(db);
    return rc;
}

/* The billing policy, when the caller gives one (in the site's transaction). */
static int set_billing(db_t *db, int64_t id, const inv_billing_t *b)
{
    if (!b) return DB_OK;
    long n = db_exec(db, "UPDATE sites SET bill_prorate = ?, bill_notice_days = ?, bill_overdue_days = ?,"
                     " bill_suspend_days = ?, bill_max_periods = ? WHERE id = ?", "sIIIIi", b->prorate, b->notice_days,
                     b->overdue_days, b->suspend_days, b->max_periods, id);
    return n < 0 ? (int)n : DB_OK;
}

int inv_site_create(db_t *db, const audit_actor_t *who, const inv_site_t *s, int64_t *id, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "INSERT INTO sites (name, address, time_zone, currency, languages, mod_vault, mod_storage, mod_mailroom)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "sssssIII", s->name, s->address ? s->address : "", s->time_zone, s->currency, s->languages,
        s->mod_vault, s->mod_storage, s->mod_mailroom);
    if (n == DB_ERR_DUP) fail(err, "name", "taken");
    if (n < 0) return finish(db, (int)n);
    *id = db_last_id(db);
    if ((rc = set_billing(db, *id, s->billing)) != DB_OK) return finish(db, rc);
    char *detail = site_json(s);
    rc = audit_write(db, who, "site.create", "site", *id, *id, detail);
    free(detail);
    return finish(db, rc);
}

int inv_site_update(db_t *db, const audit_actor_t *who, int64_t id, const inv_site_t *s, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "UPDATE sites SET name = ?, address = ?, time_zone = ?, currency = ?, languages = ?,"
        " mod_vault = ?, mod_storage = ?, mod_mailroom = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
        "sssssIIIi", s->name, s->address ? s->address : "", s->time_zone, s->currency, s->languages,
        s->mod_vault, s->mod_storage, s->mod_mailroom, id);
    if (n == DB_ERR_DUP) fail(err, "name", "taken");
    if (n < 0) return finish(db, (int)n);
    if ((rc = set_billing(db, id, s->billing)) != DB_OK) return finish(db, rc);
    char *detail = site_json(s);
    rc = audit_write(db, who, "site.update", "site", id, id, detail);
    free(detail);
    return finish(db, rc);
}

int inv_bank_create(db_t *db, arena_t *a, const audit_actor_t *who, const inv_bank_t *b,
                    int64_t *id, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    /* Lock the site row: banks of one site are numbered without races,
     * and a site cannot vanish under us. */
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT id FROM sites WHERE id = ? FOR UPDATE", "i", b->site_id);
    if (rc == DB_OK && r->nrows != 1) { fail(err, "site_id", "not_found"); rc = DB_ERR_FK; }
    if (rc) return finish(db, rc);
    long n = db_exec(db, "INSERT INTO banks (site_id, name, location, columns) VALUES (?, ?, ?, ?)",
                     "issI", b->site_id, b->name, b->location ? b->location : "", b->columns);
    if (n == DB_ERR_DUP) fail(err, "name", "taken");
    if (n < 0) return finish(db, (int)n);
    *id = db_last_id(db);
    const char *prefix = b->label_prefix && *b->label_prefix ? b->label_prefix : "";
    int number = 0, total = 0;
    for (int g = 0; g < b->ngroups; g++) total += b->groups[g].count;
    int width = total >= 100 ? 3 : 2;
    for (int g = 0; g < b->ngroups && rc == DB_OK; g++) {
        const inv_size_group_t *sg = &b->groups[g];
        for (int i = 0; i < sg->count; i++) {
            number++;
            char label[48];
            snprintf(label, sizeof label, "%s%0*d", prefix, width, number);
            n = db_exec(db,
                "INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm, features)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iiIssIIIs", *id, b->site_id, number, label, sg->size, sg->width_mm, sg->height_mm,
                sg->depth_mm, sg->features ? sg->features : "");
            if (n < 0) { rc = (int)n; break; }
        }
    }
    if (rc) return finish(db, rc);
    json_t *j = json_pack("{s:s, s:i, s:i}", "name", b->name, "cells", total, "columns", b->columns);
    char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    rc = audit_write(db, who, "bank.create", "bank", *id, b->site_id, detail);
    free(detail);
    return finish(db, rc);
}

int64_t inv_site_of_bank(db_t *db, arena_t *a, int64_t bank_id)
{
    db_res_t *r;
    if (db_query(db, a, &r, "SELECT site_id FROM banks WHERE id = ?", "i", bank_id) != DB_OK || r->nrows != 1) return 0;
    return db_cell_int(r, 0, 0);
}

int64_t inv_site_of_cell(db_t *db, arena_t *a, int64_t cell_id)
{
    db_res_t *r;
    if (db_query(db, a, &r, "SELECT site_id FROM cells WHERE id = ?", "i", cell_id) != DB_OK || r->nrows != 1) return 0;
    return db_cell_int(r, 0, 0);
}

int inv_cell_update(db_t *db, const audit_actor_t *who, int64_t cell_id, const inv_cell_t *c, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(4096);
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT site_id FROM cells WHERE id = ? FOR UPDATE", "i", cell_id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    arena_free(a);
    if (rc == DB_OK && !site) { fail(err, "id", "not_found"); rc = DB_ERR_FK; }
    if (rc) return finish(db, rc);
    long n = db_exec(db,
        "UPDATE cells SET label = ?, size_class = ?, width_mm = ?, height_mm = ?, depth_mm = ?, features = ?,"
        " updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
        "ssIIIsi", c->label, c->size, c->width_mm, c->height_mm, c->depth_mm, c->features ? c->features : "", cell_id);
    if (n == DB_ERR_DUP) fail(err, "label", "taken");
    if (n < 0) return finish(db, (int)n);
    json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "label", c->label, "size", c->size, "width_mm", c->width_mm,
                          "height_mm", c->height_mm, "depth_mm", c->depth_mm, "features", c->features ? c->features : "");
    char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    rc = audit_write(db, who, "cell.update", "cell", cell_id, site, detail);
    free(detail);
    return finish(db, rc);
}

int inv_cell_set_service(db_t *db, const audit_actor_t *who, int64_t cell_id, int out_of_service,
                         const char *reason, inv_error_t *err)
{
    if (out_of_service && !nonblank(reason)) return fail(err, "reason", "required"), DB_ERR;
    if (reason && strlen(reason) > 255) return fail(err, "reason", "too_long"), DB_ERR;
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(4096);
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT site_id, status FROM cells WHERE id = ? FOR UPDATE", "i", cell_id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    const char *status = site ? db_cell(r, 0, 1) : NULL;
    if (rc == DB_OK && !site) { fail(err, "id", "not_found"); rc = DB_ERR_FK; }
    /* An occupied cell cannot be taken away from its user; a free one
     * cannot be "returned" to service. */
    else if (rc == DB_OK && out_of_service && strcmp(status, "free") != 0 && strcmp(status, "reserved") != 0)
        { fail(err, "status", strcmp(status, "out_of_service") ? "cell_in_use" : "already_out"); rc = DB_ERR; }
    else if (rc == DB_OK && !out_of_service && strcmp(status, "out_of_service") != 0)
        { fail(err, "status", "not_out_of_service"); rc = DB_ERR; }
    arena_free(a);
    if (rc) return finish(db, rc);
    long n = out_of_service
        ? db_exec(db, "UPDATE cells SET status = 'out_of_service', service_reason = ?, service_since = UTC_TIMESTAMP(6),"
                      " updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "si", reason, cell_id)
        : db_exec(db, "UPDATE cells SET status = 'free', service_reason = NULL, service_since = NULL,"
                      " updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", cell_id);
    if (n < 0) return finish(db, (int)n);
    json_t *j = out_of_service ? json_pack("{s:s}", "reason", reason) : json_object();
    char *detail = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    rc = audit_write(db, who, out_of_service ? "cell.out_of_service" : "cell.back_in_service", "cell", cell_id, site, detail);
    free(detail);
    return finish(db, rc);
}
