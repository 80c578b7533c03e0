/* Back office: sites, locker banks, cells and the locker grid. */
#include "backoffice.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = { "free", "occupied", "reserved", "out_of_service", NULL };

/* All values of a repeated form field (checkboxes) joined by commas. */
static const char *form_csv(web_req_t *req, const char *name)
{
    size_t len = 0;
    for (const kv_t *kv = req->form.head; kv; kv = kv->next)
        if (!strcmp(kv->name, name)) len += strlen(kv->value) + 1;
    char *out = arena_alloc(req->arena, len + 1), *p = out;
    for (const kv_t *kv = req->form.head; kv; kv = kv->next) {
        if (strcmp(kv->name, name) != 0) continue;
        if (p != out) *p++ = ',';
        size_t n = strlen(kv->value);
        memcpy(p, kv->value, n);
        p += n;
    }
    *p = '\0';
    return out;
}

/* ---------- sites ---------- */

static const char *const site_cols[] = { "id", "name", "address", "time_zone", "currency", "languages",
                                         "vault", "storage", "mailroom", "version", "doors_version", "bill_prorate",
                                         "bill_notice_days", "bill_overdue_days", "bill_suspend_days",
                                         "bill_max_periods", NULL };
#define SITE_SELECT "SELECT id, name, address, time_zone, currency, languages, mod_vault, mod_storage, mod_mailroom," \
                    " inventory_version, doors_version, bill_prorate, bill_notice_days, bill_overdue_days," \
                    " bill_suspend_days, bill_max_periods FROM sites"
static const char *const prorates[] = { "daily", "none", NULL };
/* A new site's policy: the columns' defaults (sql/migrations/0008). */
static const inv_billing_t billing_defaults = { "daily", 5, 10, 30, 3 };

int bo_load_site(web_req_t *req, int64_t id)
{
    int rc = staff_check_site(req, id);
    if (rc) return rc;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res, SITE_SELECT " WHERE id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    bo_set_row(page_r(req), res, 0, site_cols, "Site");
    return 0;
}

int bo_sites(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT s.id, s.name, s.address, s.time_zone, s.currency, s.languages, s.mod_vault, s.mod_storage,"
        " s.mod_mailroom, (SELECT COUNT(*) FROM banks b WHERE b.site_id = s.id),"
        " (SELECT COUNT(*) FROM cells c WHERE c.site_id = s.id)"
        " FROM sites s WHERE ? = 1 OR s.id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)"
        " ORDER BY s.name", "Ii", u->all_sites, u->id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "name", "address", "time_zone", "currency", "languages",
                                        "vault", "storage", "mailroom", "banks", "cells", NULL };
    bo_set_rows(page_r(req), res, cols, "Sites");
    render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/sites.cs") ? 500 : 0;
}

static const char *const billing_fields[] = { "bill_prorate", "bill_notice_days", "bill_overdue_days",
                                              "bill_suspend_days", "bill_max_periods", NULL };

/* The billing fields of the form: 1 when it had them (the site form
 * always does; a client posting only the older fields leaves the policy
 * as it is), else 0 with *b left alone.  A number left empty or not a
 * number reads -1, which every field's range refuses, naming the field. */
static int billing_from_form(web_req_t *req, inv_billing_t *b)
{
    int given = 0;
    for (int i = 0; billing_fields[i]; i++) given |= web_form(req, billing_fields[i]) != NULL;
    if (!given) return 0;
    b->prorate = web_form_trimmed(req, "bill_prorate");
    b->notice_days = bo_form_int(req, "bill_notice_days", -1);
    b->overdue_days = bo_form_int(req, "bill_overdue_days", -1);
    b->suspend_days = bo_form_int(req, "bill_suspend_days", -1);
    b->max_periods = bo_form_int(req, "bill_max_periods", -1);
    return 1;
}

/* The policy stored for site id (the defaults for a new site), for a
 * form shown again without billing fields of its own. */
static int billing_stored(web_req_t *req, int64_t id, inv_billing_t *b)
{
    *b = billing_defaults;
    if (!id) return DB_OK;
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res, "SELECT bill_prorate, bill_notice_days, bill_overdue_days,"
                      " bill_suspend_days, bill_max_periods FROM sites WHERE id = ?", "i", id);
    if (rc || res->nrows != 1) return rc;
    *b = (inv_billing_t){ db_cell(res, 0, 0), (int)db_cell_int(res, 0, 1), (int)db_cell_int(res, 0, 2),
                          (int)db_cell_int(res, 0, 3), (int)db_cell_int(res, 0, 4) };
    return DB_OK;
}

static void billing_to_form(web_req_t *req, const inv_billing_t *b)
{
    render_t *r = page_r(req);
    render_set(r, b->prorate, "Site.bill_prorate");
    /* A refused number shows empty for the clerk to type again. */
    const int v[] = { b->notice_days, b->overdue_days, b->suspend_days, b->max_periods };
    static const char *const names[] = { "bill_notice_days", "bill_overdue_days", "bill_suspend_days",
                                         "bill_max_periods" };
    for (int i = 0; i < 4; i++) {
        if (v[i] >= 0) render_set_int(r, v[i], "Site.%s", names[i]);
        else render_set(r, web_form_trimmed(req, names[i]), "Site.%s", names[i]);
    }
    for (int i = 0; prorates[i]; i++) render_set(r, prorates[i], "Choices.prorate.%d", i);
}

static void site_from_form(web_req_t *req, inv_site_t *s)
{
    s->name = web_form_trimmed(req, "name");
    s->address = web_form_trimmed(req, "address");
    s->time_zone = web_form_trimmed(req, "time_zone");
    s->currency = web_form_trimmed(req, "currency");
    s->languages = form_csv(req, "languages");
    const char *mods = form_csv(req, "modules");
    s->mod_vault = strstr(mods, "vault") != NULL;
    s->mod_storage = strstr(mods, "storage") != NULL;
    s->mod_mailroom = strstr(mods, "mailroom") != NULL;
}

static void site_to_form(render_t *r, const inv_site_t *s)
{
    render_set(r, s->name, "Site.name");
    render_set(r, s->address, "Site.address");
    render_set(r, s->time_zone, "Site.time_zone");
    render_set(r, s->currency, "Site.currency");
    render_set(r, s->languages, "Site.languages");
    render_set_int(r, s->mod_vault, "Site.vault");
    render_set_int(r, s->mod_storage, "Site.storage");
    render_set_int(r, s->mod_mailroom, "Site.mailroom");
}

int bo_site_new(web_req_t *req)
{
    inv_site_t s = { .name = "", .address = "", .time_zone = "UTC", .currency = "EUR", .languages = "en" };
    site_to_form(page_r(req), &s);
    billing_to_form(req, &billing_defaults);
    render_set(page_r(req), "new", "Form.mode");
    return page_render(req, "backoffice/site_form.cs") ? 500 : 0;
}

static int site_save(web_req_t *req, int64_t id)
{
    inv_site_t s;
    inv_billing_t b;
    site_from_form(req, &s);
    int given = billing_from_form(req, &b);
    int rc = given ? DB_OK : billing_stored(req, id, &b);
    if (rc) return page_db_fail(req, rc);
    s.billing = given ? &b : NULL;
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    if (inv_validate_site(&s, config_get(req->w->cfg, "Lang.Available", "en"), &err) == 0) {
        int64_t new_id = id;
        rc = id ? inv_site_update(page_db(req), &who, id, &s, &err)
                : inv_site_create(page_db(req), &who, &s, &new_id, &err);
        if (rc == DB_OK) {
            const auth_user_t *u = staff_user(req);
            /* A site-scoped admin must see the site they just made. */
            if (!id && !u->all_sites)
                db_exec(page_db(req), "INSERT INTO staff_user_sites (user_id, site_id) VALUES (?, ?)", "ii", u->id, new_id);
            return web_redirect(req, arena_printf(req->arena, "/admin/sites/%lld?done=saved", (long long)new_id));
        }
        if (!err.code) return page_db_fail(req, rc);
    }
    site_to_form(page_r(req), &s);
    billing_to_form(req, &b);
    if (id) render_set_int(page_r(req), id, "Site.id");
    render_set(page_r(req), id ? "edit" : "new", "Form.mode");
    bo_form_error(req, &err);
    return page_render(req, "backoffice/site_form.cs") ? 500 : 0;
}

int bo_site_create(web_req_t *req) { return site_save(req, 0); }

int bo_site_edit(web_req_t *req)
{
    int rc = bo_load_site(req, web_param_id(req, 0));
    if (rc) return rc;
    for (int i = 0; prorates[i]; i++) render_set(page_r(req), prorates[i], "Choices.prorate.%d", i);
    render_set(page_r(req), "edit", "Form.mode");
    return page_render(req, "backoffice/site_form.cs") ? 500 : 0;
}

int bo_site_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = staff_check_site(req, id);
    if (rc) return rc;
    return site_save(req, id);
}

int bo_site_show(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = bo_load_site(req, id);
    if (rc) return rc;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT b.id, b.name, b.location, b.columns, COUNT(c.id), COALESCE(SUM(c.status = 'free'), 0),"
        " COALESCE(SUM(c.status = 'out_of_service'), 0)"
        " FROM banks b LEFT JOIN cells c ON c.bank_id = b.id WHERE b.site_id = ? GROUP BY b.id ORDER BY b.name",
        "i", id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "name", "location", "columns", "cells", "free", "out_of_service", NULL };
    bo_set_rows(page_r(req), res, cols, "Banks");
    render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/site.cs") ? 500 : 0;
}

/* ---------- banks ---------- */

static void bank_defaults_to_form(render_t *r)
{
    for (int i = 0; inv_sizes[i]; i++) {
        int w, h, d;
        inv_default_dims(inv_sizes[i], &w, &h, &d);
        render_set(r, inv_sizes[i], "Groups.%d.size", i);
        render_set_int(r, 0, "Groups.%d.count", i);
        render_set_int(r, w, "Groups.%d.width", i);
        render_set_int(r, h, "Groups.%d.height", i);
        render_set_int(r, d, "Groups.%d.depth", i);
    }
    for (int i = 0; inv_features[i]; i++) render_set(r, inv_features[i], "Features.%d", i);
}

int bo_bank_new(web_req_t *req)
{
    int rc = bo_load_site(req, web_param_id(req, 0));
    if (rc) return rc;
    render_t *r = page_r(req);
    bank_defaults_to_form(r);
    render_set_int(r, 6, "Bank.columns");
    return page_render(req, "backoffice/bank_form.cs") ? 500 : 0;
}

int bo_bank_create(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    int rc = bo_load_site(req, site_id);
    if (rc) return rc;
    render_t *r = page_r(req);
    inv_bank_t b = { .site_id = site_id };
    b.name = web_form_trimmed(req, "name");
    b.location = web_form_trimmed(req, "location");
    b.label_prefix = web_form_trimmed(req, "label_prefix");
    b.columns = bo_form_int(req, "columns", 6);
    inv_error_t err = { 0 };
    for (int i = 0; i < 4 && inv_sizes[i]; i++) {
        inv_size_group_t *g = &b.groups[b.ngroups++];
        const char *s = inv_sizes[i];
        g->size = s;
        g->count = bo_form_int(req, arena_printf(req->arena, "count_%s", s), 0);
        int w, h, d;
        inv_default_dims(s, &w, &h, &d);
        g->width_mm = bo_form_int(req, arena_printf(req->arena, "width_%s", s), w);
        g->height_mm = bo_form_int(req, arena_printf(req->arena, "height_%s", s), h);
        g->depth_mm = bo_form_int(req, arena_printf(req->arena, "depth_%s", s), d);
        g->features = form_csv(req, arena_printf(req->arena, "features_%s", s));
    }
    if (inv_validate_bank(&b, &err) == 0) {
        int64_t id;
        audit_actor_t who = staff_actor(req);
        rc = inv_bank_create(page_db(req), req->arena, &who, &b, &id, &err);
        if (rc == DB_OK)
            return web_redirect(req, arena_printf(req->arena, "/admin/sites/%lld/grid?bank=%lld&done=bank_created",
                                                  (long long)site_id, (long long)id));
        if (!err.code) return page_db_fail(req, rc);
    }
    /* Show the form again with what was typed. */
    bank_defaults_to_form(r);
    render_set(r, b.name, "Bank.name");
    render_set(r, b.location, "Bank.location");
    render_set(r, b.label_prefix, "Bank.label_prefix");
    render_set(r, web_form_trimmed(req, "columns"), "Bank.columns");
    for (int i = 0; i < b.ngroups; i++) {
        const char *s = b.groups[i].size;
        render_set(r, web_form_trimmed(req, arena_printf(req->arena, "count_%s", s)), "Groups.%d.count", i);
        render_set(r, web_form_trimmed(req, arena_printf(req->arena, "width_%s", s)), "Groups.%d.width", i);
        render_set(r, web_form_trimmed(req, arena_printf(req->arena, "height_%s", s)), "Groups.%d.height", i);
        render_set(r, web_form_trimmed(req, arena_printf(req->arena, "depth_%s", s)), "Groups.%d.depth", i);
        render_set(r, b.groups[i].features, "Groups.%d.features", i);
    }
    bo_form_error(req, &err);
    return page_render(req, "backoffice/bank_form.cs") ? 500 : 0;
}

static const char *const cell_cols[] = { "id", "number", "label", "size", "width", "height", "depth",
                                         "features", "status", "reason", "since", NULL };
#define CELL_SELECT "SELECT id, number, label, size_class, width_mm, height_mm, depth_mm, features, status," \
                    " service_reason, service_since FROM cells"

int bo_bank_show(web_req_t *req) { return bo_bank_page(req, web_param_id(req, 0)); }

int bo_bank_page(web_req_t *req, int64_t id)
{
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT id, site_id, name, location, columns FROM banks WHERE id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    static const char *const bcols[] = { "id", "site_id", "name", "location", "columns", NULL };
    int64_t site_id = db_cell_int(res, 0, 1);
    if ((rc = bo_load_site(req, site_id)) != 0) return rc;
    bo_set_row(page_r(req), res, 0, bcols, "Bank");
    rc = db_query(page_db(req), req->arena, &res, CELL_SELECT " WHERE bank_id = ? ORDER BY number", "i", id);
    if (rc) return page_db_fail(req, rc);
    bo_set_rows(page_r(req), res, cell_cols, "Cells");
    if ((rc = bo_bank_locks(req, id, site_id)) != 0) return rc;
    render_set(page_r(req), web_query(req, "done"), "Done");
    bo_reload_notice(req);
    return page_render(req, "backoffice/bank.cs") ? 500 : 0;
}

/* ---------- cells ---------- */

static int load_cell(web_req_t *req, int64_t id)
{
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT c.id, c.number, c.label, c.size_class, c.width_mm, c.height_mm, c.depth_mm, c.features, c.status,"
        " c.service_reason, c.service_since, c.site_id, c.bank_id, b.name"
        " FROM cells c JOIN banks b ON b.id = c.bank_id WHERE c.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    if ((rc = bo_load_site(req, db_cell_int(res, 0, 11))) != 0) return rc;
    bo_set_row(page_r(req), res, 0, cell_cols, "Cell");
    render_set(page_r(req), db_cell(res, 0, 12), "Cell.bank_id");
    render_set(page_r(req), db_cell(res, 0, 13), "Cell.bank_name");
    return 0;
}

static void cell_choices(render_t *r)
{
    for (int i = 0; inv_sizes[i]; i++) render_set(r, inv_sizes[i], "Sizes.%d", i);
    for (int i = 0; inv_features[i]; i++) render_set(r, inv_features[i], "Features.%d", i);
}

int bo_load_cell(web_req_t *req, int64_t id) { return load_cell(req, id); }

/* The cell page for a loaded cell: the edit form, service, its door and lock. */
int bo_cell_page(web_req_t *req, int64_t id)
{
    cell_choices(page_r(req));
    int rc = bo_cell_doors(req, id);
    if (rc < 0 || rc >= 400) return rc < 0 ? 500 : rc;
    /* done names either a change of the cell or, shown by bo_cell_doors, an open's result. */
    if (rc == 0 && web_is_post(req) == 0) render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/cell_form.cs") ? 500 : 0;
}

int bo_cell_edit(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = load_cell(req, id);
    if (rc) return rc;
    return bo_cell_page(req, id);
}

int bo_cell_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = load_cell(req, id);
    if (rc) return rc;
    inv_cell_t c = {
        .label = web_form_trimmed(req, "label"), .size = web_form_trimmed(req, "size"),
        .features = form_csv(req, "features"),
        .width_mm = bo_form_int(req, "width", -1), .height_mm = bo_form_int(req, "height", -1),
        .depth_mm = bo_form_int(req, "depth", -1),
    };
    inv_error_t err = { 0 };
    if (inv_validate_cell(&c, &err) == 0) {
        audit_actor_t who = staff_actor(req);
        rc = inv_cell_update(page_db(req), &who, id, &c, &err);
        if (rc == DB_OK) return web_redirect(req, arena_printf(req->arena, "/admin/cells/%lld?done=saved", (long long)id));
        if (!err.code) return page_db_fail(req, rc);
    }
    render_t *r = page_r(req);
    render_set(r, c.label, "Cell.label");
    render_set(r, c.size, "Cell.size");
    render_set(r, c.features, "Cell.features");
    render_set(r, web_form_trimmed(req, "width"), "Cell.width");
    render_set(r, web_form_trimmed(req, "height"), "Cell.height");
    render_set(r, web_form_trimmed(req, "depth"), "Cell.depth");
    bo_form_error(req, &err);
    return bo_cell_page(req, id);
}

int bo_cell_service(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = load_cell(req, id);
    if (rc) return rc;
    const char *action = web_form_trimmed(req, "action");
    int out = !strcmp(action, "out");
    if (!out && strcmp(action, "in") != 0) return web_fail(req, 400, "bad_action", NULL);
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    const char *reason = web_form_trimmed(req, "reason");
    rc = inv_cell_set_service(page_db(req), &who, id, out, out ? reason : NULL, &err);
    if (rc == DB_OK)
        return web_redirect(req, arena_printf(req->arena, "/admin/cells/%lld?done=%s", (long long)id,
                                              out ? "out_of_service" : "in_service"));
    if (!err.code) return page_db_fail(req, rc);
    render_set(page_r(req), reason, "Service.reason");
    bo_form_error(req, &err);
    return bo_cell_page(req, id);
}

/* ---------- the locker grid ---------- */

/* Fills the dataset for templates/backoffice/grid_body.cs: the filter
 * form, the counts and every bank's cells. */
static int grid_data(web_req_t *req, int64_t site_id, int64_t bank_id, const char *size,
                     const char *status, const char *feature)
{
    render_t *r = page_r(req);
    db_res_t *banks;
    int rc = db_query(page_db(req), req->arena, &banks,
                      "SELECT id, name, location, columns FROM banks WHERE site_id = ? ORDER BY name", "i", site_id);
    if (rc) return page_db_fail(req, rc);
    db_res_t *cells;
    rc = db_query(page_db(req), req->arena, &cells,
        "SELECT bank_id, id, label, size_class, status, features, service_reason FROM cells"
        " WHERE site_id = ? AND (? = 0 OR bank_id = ?) AND (? IS NULL OR size_class = ?)"
        " AND (? IS NULL OR status = ?) AND (? IS NULL OR FIND_IN_SET(?, features) > 0)"
        " ORDER BY bank_id, number",
        "iiissssss", site_id, bank_id, bank_id, size, size, status, status, feature, feature);
    if (rc) return page_db_fail(req, rc);

    int64_t counts[4] = { 0 };
    for (int b = 0; b < banks->nrows; b++) {
        int64_t bid = db_cell_int(banks, b, 0);
        render_set(r, db_cell(banks, b, 0), "Grid.%d.id", b);
        render_set(r, db_cell(banks, b, 1), "Grid.%d.name", b);
        render_set(r, db_cell(banks, b, 2), "Grid.%d.location", b);
        render_set(r, db_cell(banks, b, 3), "Grid.%d.columns", b);
        /* Cells arrive grouped by bank (ORDER BY bank_id); find this bank's run. */
        int ci = 0, n = 0;
        while (ci < cells->nrows && db_cell_int(cells, ci, 0) != bid) ci++;
        for (; ci < cells->nrows && db_cell_int(cells, ci, 0) == bid; ci++, n++) {
            char p[48];
            snprintf(p, sizeof p, "Grid.%d.cells.%d", b, n);
            const char *st = db_cell(cells, ci, 4);
            render_set(r, db_cell(cells, ci, 1), "%s.id", p);
            render_set(r, db_cell(cells, ci, 2), "%s.label", p);
            render_set(r, db_cell(cells, ci, 3), "%s.size", p);
            render_set(r, st, "%s.status", p);
            const char *f = db_cell(cells, ci, 5);
            if (f && *f) render_set(r, f, "%s.features", p);
            const char *why = db_cell(cells, ci, 6);
            if (why) render_set(r, why, "%s.reason", p);
            for (int k = 0; k < 4; k++) if (!strcmp(st, statuses[k])) counts[k]++;
        }
        render_set_int(r, n, "Grid.%d.shown", b);
    }
    for (int k = 0; k < 4; k++) render_set_int(r, counts[k], "Counts.%s", statuses[k]);
    render_set_int(r, cells->nrows, "Counts.total");
    return 0;
}

int bo_grid(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    int rc = bo_load_site(req, site_id);
    if (rc) return rc;
    render_t *r = page_r(req);
    /* Filters: unknown values are ignored rather than failing the page. */
    const char *size = web_query(req, "size"), *status = web_query(req, "status"), *feature = web_query(req, "feature");
    const char *bank = web_query(req, "bank");
    if (!inv_valid_size(size)) size = NULL;
    if (!bo_in_set(statuses, status)) status = NULL;
    if (!feature || !*feature || strchr(feature, ',') || !inv_valid_features(feature)) feature = NULL;
    int64_t bank_id = web_id(bank);
    render_set(r, size, "Filter.size");
    render_set(r, status, "Filter.status");
    render_set(r, feature, "Filter.feature");
    if (bank_id) render_set_int(r, bank_id, "Filter.bank");
    cell_choices(r);
    render_set(r, web_query(req, "done"), "Done");
    /* Open doors and live alarms: a fragment of their own, cached under
     * the site's doors version. */
    if ((rc = bo_grid_doors(req, site_id)) != 0) return rc;

    /* The grid body depends only on what is in this key; the site's
     * inventory version changes with every change to its banks and cells. */
    const char *key = arena_printf(req->arena, "grid/%lld/%s/%s/%lld/%s/%s/%s", (long long)site_id,
                                   hdf_get_value(render_hdf(r), "Site.version", "0"), req->lang,
                                   (long long)bank_id, size ? size : "", status ? status : "", feature ? feature : "");
    fragcache_t *cache = ((staff_worker_t *)req->w->app_data)->fragments;
    size_t len;
    const char *html = fragcache_get(cache, key, &len);
    if (!html) {
        if ((rc = grid_data(req, site_id, bank_id, size, status, feature)) != 0) return rc;
        char *fresh;
        if (render_string(r, "backoffice/grid_body.cs", &fresh, &len) != 0) return 500;
        render_set(r, fresh, "GridHtml");
        fragcache_put(cache, key, fresh, len);
    } else {
        render_set(r, html, "GridHtml");
    }
    return page_render(req, "backoffice/grid.cs") ? 500 : 0;
}
