/* Back office: API keys for integrations and devices.  A new key is shown
 * on the page that answers its creation and never again: only its hash
 * is kept (lib/apikey.c). */
#include "backoffice.h"
#include "apikey.h"
#include "staffadmin.h"
#include <string.h>

/* A key the user may see and revoke: one whose sites all lie within the
 * user's own (the same rule as for staff in backoffice_users.c). */
#define KEY_IN_SCOPE \
    " (? = 1 OR (k.all_sites = 0 AND NOT EXISTS (SELECT 1 FROM api_key_sites ks WHERE ks.key_id = k.id" \
    "  AND ks.site_id NOT IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))))"

/* The list and the creation form (refilled with spec when given). */
static int keys_page(web_req_t *req, const apikey_spec_t *spec)
{
    const auth_user_t *me = staff_user(req);
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, k.name, k.prefix, k.all_sites, k.can_write, k.created_at, k.last_used_at, k.revoked_at,"
        " u.username, (SELECT GROUP_CONCAT(s.name ORDER BY s.name SEPARATOR ', ')"
        "  FROM api_key_sites ks JOIN sites s ON s.id = ks.site_id WHERE ks.key_id = k.id)"
        " FROM api_keys k LEFT JOIN staff_users u ON u.id = k.created_by WHERE" KEY_IN_SCOPE
        " ORDER BY k.revoked_at IS NOT NULL, k.id DESC", "Ii", me->all_sites, me->id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "name", "prefix", "all_sites", "can_write", "created", "last_used",
                                        "revoked", "created_by", "sites" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 10; c++) render_set(r, db_cell(res, i, c), "Keys.%d.%s", i, cols[c]);
    if (spec) {
        render_set(r, spec->name, "Key.name");
        render_set_int(r, spec->all_sites, "Key.all_sites");
        render_set_int(r, spec->can_write, "Key.can_write");
        render_set(r, bo_ids_csv(req->arena, spec->sites, spec->nsites), "Key.sites");
    }
    render_set(r, web_query(req, "done"), "Done");
    if ((rc = bo_load_site_choices(req)) != 0) return page_db_fail(req, rc);
    return page_render(req, "backoffice/apikeys.cs") ? 500 : 0;
}

int bo_apikeys(web_req_t *req) { return keys_page(req, NULL); }

int bo_apikey_create(web_req_t *req)
{
    const auth_user_t *me = staff_user(req);
    apikey_spec_t spec = {
        .name = web_form_trimmed(req, "name"),
        .all_sites = !strcmp(web_form_trimmed(req, "all_sites"), "1"),
        .can_write = !strcmp(web_form_trimmed(req, "can_write"), "1"),
    };
    inv_error_t err = { 0 };
    int64_t *sites = NULL;
    if (bo_form_sites(req, &sites, &spec.nsites) != 0) {
        spec.nsites = 0;
        err = (inv_error_t){ .field = "sites", .code = "invalid" };
    }
    spec.sites = sites;
    if (!err.code && apikey_validate(&spec, &err) == 0) {
        /* Nobody hands out more than they hold. */
        if (!staffadmin_can_manage(me, spec.all_sites, spec.sites, spec.nsites)) {
            err = (inv_error_t){ .field = "sites", .code = "bad_sites" };
        } else {
            char key[APIKEY_LEN];
            int64_t id;
            audit_actor_t who = staff_actor(req);
            int rc = apikey_create(page_db(req), &who, me->id, &spec, key, &id);
            if (rc == DB_OK) {
                /* Shown here and never again: this page is the only copy. */
                render_set(page_r(req), key, "NewKey.key");
                render_set(page_r(req), spec.name, "NewKey.name");
                return keys_page(req, NULL);
            }
            if (rc != DB_ERR_FK) return page_db_fail(req, rc);
            err = (inv_error_t){ .field = "sites", .code = "not_found" };
        }
    }
    bo_form_error(req, &err);
    return keys_page(req, &spec);
}

int bo_apikey_revoke(web_req_t *req)
{
    const auth_user_t *me = staff_user(req);
    int64_t id = web_param_id(req, 0);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.revoked_at IS NOT NULL FROM api_keys k WHERE k.id = ? AND" KEY_IN_SCOPE,
        "iIi", id, me->all_sites, me->id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    /* A second click on a revoked key has nothing left to do. */
    if (!db_cell_int(res, 0, 0)) {
        audit_actor_t who = staff_actor(req);
        rc = apikey_revoke(page_db(req), &who, id);
        if (rc != DB_OK && rc != DB_ERR_FK) return page_db_fail(req, rc);
    }
    return web_redirect(req, "/admin/apikeys?done=revoked");
}
