/* Back office: enrollment tablets of a site (pairing codes shown once,
 * revocation) and the review of what customers sent from them (edit,
 * approve into a customer and a contract, reject). */
#include "backoffice.h"
#include "tablet.h"
#include "enrollment.h"
#include "contract.h"
#include "json.h"
#include "sitetime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 50
#define MAX_PROPOSALS 12

/* A validation failure in the enrollment wording (enroll.errors.*), else
 * the shared field messages; labels from enroll.fields.*. */
static void enroll_error(web_req_t *req, const char *fieldname, const char *code, int status)
{
    render_t *r = page_r(req);
    char key[128];
    snprintf(key, sizeof key, "enroll.errors.%s", code);
    const char *msg = render_str(r, key);
    if (!strcmp(msg, key)) {
        snprintf(key, sizeof key, "errors.field.%s", code);
        msg = render_str(r, key);
        if (!strcmp(msg, key)) msg = render_str(r, "errors.field.invalid");
    }
    snprintf(key, sizeof key, "enroll.fields.%s", fieldname ? fieldname : "");
    const char *label = render_str(r, key);
    if (!strcmp(label, key)) {
        snprintf(key, sizeof key, "fields.%s", fieldname ? fieldname : "");
        label = render_str(r, key);
        if (!strcmp(label, key)) label = "";
    }
    render_set(r, fieldname ? fieldname : "", "Form.error.field");
    render_set(r, msg, "Form.error.message");
    render_set(r, label, "Form.error.label");
    if (fieldname) render_set(r, msg, "Errors.%s", fieldname);
    web_set_status(req, status);
}

/* ---------- tablets ---------- */

static int tablets_page(web_req_t *req, int64_t site_id, const char *name)
{
    render_t *r = page_r(req);
    int st = bo_load_site(req, site_id);
    if (st) return st;
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT id, name, token_hash IS NOT NULL, paired_at, last_seen_at, revoked_at, created_at,"
        " pairing_expires_at > UTC_TIMESTAMP(6)"
        " FROM tablets WHERE site_id = ? ORDER BY revoked_at IS NOT NULL, id DESC", "i", site_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "name", "paired", "paired_at", "last_seen", "revoked", "created", "code_live" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 8; c++) render_set(r, db_cell(res, i, c), "Tablets.%d.%s", i, cols[c]);
    if (name) render_set(r, name, "Tablet.name");
    if (web_query(req, "done")) render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/tablets.cs") ? 500 : 0;
}

int bo_tablets(web_req_t *req) { return tablets_page(req, web_param_id(req, 0), NULL); }

int bo_tablet_create(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    if (site_id <= 0 || staff_check_site(req, site_id)) return web_fail(req, 404, "not_found", NULL);
    const char *name = web_form_trimmed(req, "name");
    inv_error_t err = { 0 };
    char code[TABLET_CODE_LEN];
    int64_t id = 0;
    audit_actor_t who = staff_actor(req);
    int rc = tablet_validate_name(name, &err) == 0
        ? tablet_create(page_db(req), &who, site_id, name, code, &id, &err) : DB_ERR;
    if (err.code) {
        if (!strcmp(err.field, "site_id")) return web_fail(req, 404, "not_found", NULL);
        bo_form_error(req, &err);
        return tablets_page(req, site_id, name);
    }
    if (rc) return page_db_fail(req, rc);
    /* Shown on this answer only: the database keeps just its hash. */
    render_set(page_r(req), code, "NewCode.code");
    render_set(page_r(req), name, "NewCode.name");
    render_set(page_r(req), "tablet_created", "Done");
    return tablets_page(req, site_id, NULL);
}

/* The site of a tablet the user may see, or 0 with the 404 set up. */
static int64_t tablet_in_scope(web_req_t *req, int64_t id)
{
    int64_t site = id > 0 ? tablet_site(page_db(req), req->arena, id) : 0;
    if (site <= 0 || !auth_can_see_site(staff_user(req), site)) return 0;
    return site;
}

int bo_tablet_revoke(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site = tablet_in_scope(req, id);
    if (!site) return web_fail(req, 404, "not_found", NULL);
    audit_actor_t who = staff_actor(req);
    int rc = tablet_revoke(page_db(req), &who, id);
    /* Revoking twice leaves it revoked: nothing to report. */
    if (rc != DB_OK && rc != DB_ERR_FK) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/sites/%lld/tablets?done=tablet_revoked", (long long)site));
}

int bo_tablet_code(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site = tablet_in_scope(req, id);
    if (!site) return web_fail(req, 404, "not_found", NULL);
    audit_actor_t who = staff_actor(req);
    char code[TABLET_CODE_LEN];
    int rc = tablet_new_code(page_db(req), &who, id, code);
    if (rc == DB_ERR_FK) {
        inv_error_t err = { "id", "tablet_revoked" };
        enroll_error(req, NULL, err.code, 409);
        return tablets_page(req, site, NULL);
    }
    if (rc) return page_db_fail(req, rc);
    db_res_t *res;
    if (db_query(page_db(req), req->arena, &res, "SELECT name FROM tablets WHERE id = ?", "i", id) == DB_OK && res->nrows == 1)
        render_set(page_r(req), db_cell(res, 0, 0), "NewCode.name");
    render_set(page_r(req), code, "NewCode.code");
    return tablets_page(req, site, NULL);
}

/* ---------- enrollment review ---------- */

#define IN_SCOPE " (? = 1 OR e.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"

int bo_enrollments_count(web_req_t *req)
{
    int64_t n = 0;
    int rc = tablet_enrollments_pending(page_db(req), req->arena, staff_user(req), &n);
    if (rc) return page_db_fail(req, rc);
    web_add_header(req, "Cache-Control", "no-store");
    return json_send(req, 200, json_pack("{s:I}", "pending", (json_int_t)n));
}

int bo_enrollments(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    render_t *r = page_r(req);
    const char *state = web_query(req, "state");
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "approved") != 0 && strcmp(state, "rejected") != 0)
        state = NULL;
    const char *p = web_query(req, "page");
    long page = p ? strtol(p, NULL, 10) : 1;
    if (page < 1 || page > 100000) page = 1;
    db_res_t *res;
    /* The queue first, oldest first; decided ones after, newest first. */
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT e.id, e.site_id, s.name, t.name, e.state, e.full_name, e.size_class, e.payment_preference,"
        " e.submitted_at, e.reviewed_at, e.customer_id"
        " FROM enrollment_requests e JOIN sites s ON s.id = e.site_id JOIN tablets t ON t.id = e.tablet_id"
        " WHERE" IN_SCOPE " AND (? IS NULL OR e.state = ?)"
        " ORDER BY e.state <> 'pending', IF(e.state = 'pending', e.id, -e.id) LIMIT ? OFFSET ?",
        "IissII", u->all_sites, u->id, state, state, PAGE_SIZE + 1, (int)((page - 1) * PAGE_SIZE));
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "site_id", "site", "tablet", "state", "full_name", "size", "period",
                                        "submitted", "reviewed", "customer_id" };
    int rows = res->nrows > PAGE_SIZE ? PAGE_SIZE : res->nrows;
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < 11; c++) render_set(r, db_cell(res, i, c), "Requests.%d.%s", i, cols[c]);
    render_set_int(r, page, "Paging.page");
    if (page > 1) render_set_int(r, page - 1, "Paging.prev");
    if (res->nrows > PAGE_SIZE) render_set_int(r, page + 1, "Paging.next");
    render_set(r, state ? state : "", "Filter.state");
    /* Links to each vault site's tablets for those who manage them. */
    if (auth_role_can(u->role, "tablets.manage")) {
        rc = db_query(page_db(req), req->arena, &res,
            "SELECT id, name FROM sites WHERE mod_vault = 1 AND (? = 1 OR id IN"
            " (SELECT site_id FROM staff_user_sites WHERE user_id = ?)) ORDER BY name", "Ii", u->all_sites, u->id);
        if (rc) return page_db_fail(req, rc);
        for (int i = 0; i < res->nrows; i++) {
            render_set(r, db_cell(res, i, 0), "TabletSites.%d.id", i);
            render_set(r, db_cell(res, i, 1), "TabletSites.%d.name", i);
        }
    }
    render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/enrollments.cs") ? 500 : 0;
}

/* The request's site when the user may see it; 0 with a 404 set up. */
static int64_t request_in_scope(web_req_t *req, int64_t id)
{
    int64_t site = id > 0 ? enrollment_site(page_db(req), req->arena, id) : 0;
    if (site <= 0 || !auth_can_see_site(staff_user(req), site)) return 0;
    return site;
}

static void put_request(web_req_t *req, const enrollment_t *e)
{
    render_t *r = page_r(req);
    enrollment_render_fields(r, e, "Req");
    for (int k = 0; k < ENROLL_NCONSENTS; k++)
        render_set(r, e->consents[k] ? "1" : "0", "Req.consents.%s", customer_consent_kinds[k]);
}

/* The request page: facts, the edit form (refilled with `edited` after a
 * failed save), the cells that fit for approval, the reject form. */
static int request_page(web_req_t *req, int64_t id, const enrollment_t *edited)
{
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT e.id, e.site_id, s.name, t.name, e.state, e.submitted_at, e.reviewed_at, u.username,"
        " e.reject_reason, e.customer_id, e.contract_id, s.currency"
        " FROM enrollment_requests e JOIN sites s ON s.id = e.site_id JOIN tablets t ON t.id = e.tablet_id"
        " LEFT JOIN staff_users u ON u.id = e.reviewed_by WHERE e.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    static const char *const cols[] = { "id", "site_id", "site", "tablet", "state", "submitted", "reviewed",
                                        "reviewer", "reject_reason", "customer_id", "contract_id", "currency" };
    for (int c = 0; c < 12; c++) render_set(r, db_cell(res, 0, c), "Request.%s", cols[c]);
    int pending = !strcmp(db_cell(res, 0, 4), "pending");
    int64_t site_id = db_cell_int(res, 0, 1);

    enrollment_t stored;
    if ((rc = enrollment_load(page_db(req), req->arena, id, &stored, NULL)) != DB_OK) return page_db_fail(req, rc);
    put_request(req, edited ? edited : &stored);

    if (pending) {
        /* Proposals follow what is stored, not a failed edit. */
        int64_t ids[MAX_PROPOSALS];
        int n = 0;
        rc = contract_propose_cells(page_db(req), req->arena, site_id, stored.size_class, stored.features,
                                    ids, MAX_PROPOSALS, &n);
        if (rc) return page_db_fail(req, rc);
        for (int i = 0; i < n; i++) {
            if (db_query(page_db(req), req->arena, &res,
                         "SELECT c.id, c.label, b.name, c.size_class, c.features, c.width_mm, c.height_mm, c.depth_mm,"
                         " (SELECT price FROM plans p WHERE p.site_id = c.site_id AND p.size_class = c.size_class"
                         "  AND p.period = ? AND p.active = 1)"
                         " FROM cells c JOIN banks b ON b.id = c.bank_id WHERE c.id = ?",
                         "si", stored.c.payment_preference, ids[i]) != DB_OK || res->nrows != 1) continue;
            static const char *const ccols[] = { "id", "label", "bank", "size", "features", "w", "h", "d", "price" };
            for (int c = 0; c < 9; c++) render_set(r, db_cell(res, 0, c), "Cells.%d.%s", i, ccols[c]);
        }
    }
    for (int k = 0; inv_features[k]; k++) render_set(r, inv_features[k], "Features.%d", k);
    for (int k = 0; inv_sizes[k]; k++) render_set(r, inv_sizes[k], "SizeChoices.%d", k);
    return page_render(req, "backoffice/enrollment.cs") ? 500 : 0;
}

int bo_enrollment_show(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    if (!request_in_scope(req, id)) return web_fail(req, 404, "not_found", NULL);
    render_set(page_r(req), web_query(req, "done"), "Done");
    return request_page(req, id, NULL);
}

/* Reads the editable fields; consents stay what the customer gave. */
static void read_edit(web_req_t *req, const enrollment_t *stored, enrollment_t *e)
{
    *e = *stored;
    customer_t *c = &e->c;
    bo_customer_identity_from_form(req, c);
    c->payment_preference = web_form_trimmed(req, "period");
    e->size_class = web_form_trimmed(req, "size_class");
    const char **lists = arena_alloc(req->arena, sizeof *lists * (req->form.count + 1));
    int n = 0;
    for (const kv_t *kv = req->form.head; lists && kv; kv = kv->next)
        if (!strcmp(kv->name, "features")) lists[n++] = kv->value;
    e->features = lists ? enrollment_features(req->arena, lists, n) : NULL;
}

int bo_enrollment_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site = request_in_scope(req, id);
    if (!site) return web_fail(req, 404, "not_found", NULL);
    enrollment_t stored, e;
    const char *state;
    int rc = enrollment_load(page_db(req), req->arena, id, &stored, &state);
    if (rc) return page_db_fail(req, rc);
    read_edit(req, &stored, &e);
    char today[11];
    if ((rc = sitetime_today(page_db(req), req->arena, site, today)) != DB_OK) return page_db_fail(req, rc);
    inv_error_t errs[16];
    int n = enrollment_check(&e, 1, today, errs, 16);
    if (!n) n = enrollment_check(&e, 2, today, errs, 16);
    if (n) {
        for (int i = n - 1; i >= 0; i--) enroll_error(req, errs[i].field, errs[i].code, 422);
        return request_page(req, id, &e);
    }
    audit_actor_t who = staff_actor(req);
    rc = enrollment_update(page_db(req), req->arena, &who, id, &e);
    if (rc == ENROLL_DECIDED) {
        enroll_error(req, NULL, "already_decided", 409);
        return request_page(req, id, NULL);
    }
    if (rc) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/enrollments/%lld?done=enrollment_saved", (long long)id));
}

int bo_enrollment_approve(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site = request_in_scope(req, id);
    if (!site) return web_fail(req, 404, "not_found", NULL);
    const char *cell = web_form_trimmed(req, "cell_id");
    int64_t cell_id = 0;
    if (*cell) {
        int64_t v = web_id(cell);
        /* Only a cell of the request's own site may be let. */
        if (!v || inv_site_of_cell(page_db(req), req->arena, v) != site) {
            enroll_error(req, "cell_id", "not_found", 422);
            return request_page(req, id, NULL);
        }
        cell_id = v;
    }
    audit_actor_t who = staff_actor(req);
    int64_t customer_id = 0, contract_id = 0;
    inv_error_t err = { 0 };
    int rc = enrollment_approve(page_db(req), req->arena, &who, id, cell_id, &customer_id, &contract_id, &err);
    if (rc == ENROLL_DECIDED) {
        enroll_error(req, NULL, "already_decided", 409);
        return request_page(req, id, NULL);
    }
    if (rc == ENROLL_INVALID) {
        enroll_error(req, err.field, err.code, 422);
        return request_page(req, id, NULL);
    }
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (rc) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/enrollments/%lld?done=enrollment_approved", (long long)id));
}

int bo_enrollment_reject(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    if (!request_in_scope(req, id)) return web_fail(req, 404, "not_found", NULL);
    audit_actor_t who = staff_actor(req);
    inv_error_t err = { 0 };
    int rc = enrollment_reject(page_db(req), req->arena, &who, id, web_form_trimmed(req, "reason"), &err);
    if (rc == ENROLL_DECIDED) {
        enroll_error(req, NULL, "already_decided", 409);
        return request_page(req, id, NULL);
    }
    if (rc == ENROLL_INVALID) {
        enroll_error(req, err.field, err.code, 422);
        render_set(page_r(req), web_form_trimmed(req, "reason"), "Reject.reason");
        return request_page(req, id, NULL);
    }
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (rc) return page_db_fail(req, rc);
    return web_redirect(req, arena_printf(req->arena, "/admin/enrollments/%lld?done=enrollment_rejected", (long long)id));
}
