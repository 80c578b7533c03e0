/* Back office: staff users, their roles and the sites they see. */
#include "backoffice.h"
#include "staffadmin.h"
#include "secret.h"
#include <stdio.h>
#include <string.h>

/* ---------- list ---------- */

int bo_users(web_req_t *req)
{
    const auth_user_t *me = staff_user(req);
    render_t *r = page_r(req);
    /* A site-scoped administrator sees only the staff they may manage:
     * nobody with all sites, nobody with a site outside their own. */
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT u.id, u.username, u.display_name, u.role, u.all_sites, u.active, u.last_login_at,"
        " (SELECT GROUP_CONCAT(s.name ORDER BY s.name SEPARATOR ', ')"
        "  FROM staff_user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = u.id)"
        " FROM staff_users u"
        " WHERE ? = 1 OR (u.all_sites = 0 AND NOT EXISTS (SELECT 1 FROM staff_user_sites us"
        "  WHERE us.user_id = u.id AND us.site_id NOT IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)))"
        " ORDER BY u.username", "Ii", me->all_sites, me->id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "username", "display_name", "role", "all_sites", "active",
                                        "last_login", "sites" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 8; c++) render_set(r, db_cell(res, i, c), "Staff.%d.%s", i, cols[c]);
    render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/users.cs") ? 500 : 0;
}

/* ---------- the form ---------- */

/* Renders user_form.cs for u; the password is never put back. */
static int form_page(web_req_t *req, const staffadmin_user_t *u)
{
    render_t *r = page_r(req);
    if (u->id) render_set_int(r, u->id, "Staff.id");
    render_set(r, u->username, "Staff.username");
    render_set(r, u->display_name, "Staff.display_name");
    render_set(r, u->role, "Staff.role");
    render_set_int(r, u->all_sites, "Staff.all_sites");
    render_set_int(r, u->active, "Staff.active");
    render_set(r, bo_ids_csv(req->arena, u->sites, u->nsites), "Staff.sites");
    for (int i = 0; auth_roles[i]; i++) render_set(r, auth_roles[i], "Roles.%d", i);
    render_set(r, u->id ? "edit" : "new", "Form.mode");
    int rc = bo_load_site_choices(req);
    if (rc) return page_db_fail(req, rc);
    return page_render(req, "backoffice/user_form.cs") ? 500 : 0;
}

/* The user as submitted.  Fails only on site values that are not ids. */
static int user_from_form(web_req_t *req, int64_t id, staffadmin_user_t *u, inv_error_t *err)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    u->username = web_form_trimmed(req, "username");
    u->display_name = web_form_trimmed(req, "display_name");
    u->role = web_form_trimmed(req, "role");
    /* Passwords are taken as typed: spaces are characters too. */
    u->password = web_form(req, "password");
    u->all_sites = !strcmp(web_form_trimmed(req, "all_sites"), "1");
    u->active = !strcmp(web_form_trimmed(req, "active"), "1");
    int64_t *sites;
    if (bo_form_sites(req, &sites, &u->nsites) != 0) {
        err->field = "sites";
        err->code = "invalid";
        return -1;
    }
    u->sites = sites;
    return 0;
}

static int user_save(web_req_t *req, int64_t id)
{
    const auth_user_t *me = staff_user(req);
    staffadmin_user_t u;
    inv_error_t err = { 0 };
    if (user_from_form(req, id, &u, &err) == 0 && staffadmin_validate(&u, me, &err) == 0) {
        char hash[256];
        const char *new_hash = NULL;
        if (u.password && *u.password) {
            auth_policy_t pol;
            auth_policy_from_config(req->w->cfg, &pol);
            if (secret_password_hash(hash, sizeof hash, u.password, pol.pw_ops, pol.pw_mem_kib) != 0)
                return web_fail(req, 500, "internal", NULL);
            new_hash = hash;
        }
        audit_actor_t who = staff_actor(req);
        int64_t new_id = id;
        int rc = id ? staffadmin_update(page_db(req), req->arena, &who, me, &u, new_hash, &err)
                    : staffadmin_create(page_db(req), &who, &u, new_hash, &new_id, &err);
        if (rc == DB_OK) {
            /* Cached sessions may carry the old role, sites or password. */
            if (id) auth_sessions_changed(staff_cache(req));
            return web_redirect(req, id ? "/admin/users?done=saved" : "/admin/users?done=created");
        }
        if (!err.code) return page_db_fail(req, rc);
        /* Gone, or moved out of reach, since the form was loaded. */
        if (!strcmp(err.field, "id")) return web_fail(req, 404, "not_found", NULL);
    }
    u.password = NULL;
    bo_form_error(req, &err);
    return form_page(req, &u);
}

/* Loads user id for editing, or fails with 404 when it is absent or not
 * within the editor's reach (never 403: it is not confirmed to exist). */
static int load_manageable(web_req_t *req, int64_t id, staffadmin_user_t *u)
{
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    int rc = staffadmin_load(page_db(req), req->arena, id, u);
    if (rc) return page_db_fail(req, rc);
    if (!u->id || !staffadmin_can_manage(staff_user(req), u->all_sites, u->sites, u->nsites))
        return web_fail(req, 404, "not_found", NULL);
    return 0;
}

int bo_user_new(web_req_t *req)
{
    staffadmin_user_t u = { .username = "", .display_name = "", .role = "operator", .active = 1 };
    return form_page(req, &u);
}

int bo_user_create(web_req_t *req) { return user_save(req, 0); }

int bo_user_edit(web_req_t *req)
{
    staffadmin_user_t u;
    int rc = load_manageable(req, web_param_id(req, 0), &u);
    return rc ? rc : form_page(req, &u);
}

int bo_user_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    staffadmin_user_t u;
    int rc = load_manageable(req, id, &u);
    return rc ? rc : user_save(req, id);
}
