#include "staffadmin.h"
#include "utf8.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int fail(inv_error_t *err, const char *field, const char *code)
{
    err->field = field;
    err->code = code;
    return -1;
}

/* ---------- pure ---------- */

int staffadmin_valid_username(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < STAFFADMIN_USERNAME_MIN || n > STAFFADMIN_USERNAME_MAX) return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok) return 0;
    }
    return 1;
}

/* Characters in s, or -1 when it is not UTF-8 or holds a control
 * character (C0, DEL, C1): in a name those only serve to mislead
 * whoever reads a list. */
static long printable_chars(const char *s)
{
    if (!utf8_valid(s, strlen(s))) return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0)) return -1;
    return (long)utf8_chars(s);
}

int staffadmin_parse_sites(arena_t *a, const char *const *values, int n, int64_t **out, int *nout)
{
    int64_t *ids = arena_alloc(a, sizeof *ids * (size_t)(n > 0 ? n : 1));
    if (!ids) return -1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *v = values[i];
        if (!v || !*v || strlen(v) > 18) return -1;   /* 18 digits cannot overflow */
        int64_t id = 0;
        for (const char *p = v; *p; p++) {
            if (*p < '0' || *p > '9') return -1;
            id = id * 10 + (*p - '0');
        }
        if (id <= 0) return -1;
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = ids[j] == id;
        if (!seen) ids[k++] = id;
    }
    *out = ids;
    *nout = k;
    return 0;
}

int staffadmin_can_manage(const auth_user_t *editor, int all_sites, const int64_t *sites, int nsites)
{
    if (!editor) return 0;
    if (editor->all_sites) return 1;
    if (all_sites) return 0;
    for (int i = 0; i < nsites; i++)
        if (!auth_can_see_site(editor, sites[i])) return 0;
    return 1;
}

int staffadmin_validate(const staffadmin_user_t *u, const auth_user_t *editor, inv_error_t *err)
{
    if (!staffadmin_valid_username(u->username)) return fail(err, "username", "bad_username");
    long dn = printable_chars(u->display_name ? u->display_name : "");
    if (dn < 0) return fail(err, "display_name", "invalid");
    if (dn > STAFFADMIN_DISPLAY_MAX) return fail(err, "display_name", "too_long");
    if (!auth_valid_role(u->role)) return fail(err, "role", "bad_role");
    int has_pw = u->password && *u->password;
    if (!u->id && !has_pw) return fail(err, "password", "required");
    const char *why = NULL;
    if (has_pw && !auth_password_acceptable(u->password, &why)) return fail(err, "password", why);
    if (!u->all_sites && u->nsites == 0) return fail(err, "sites", "no_sites");
    /* Nobody hands out more than they hold. */
    if (!staffadmin_can_manage(editor, u->all_sites, u->sites, u->nsites)) return fail(err, "sites", "bad_sites");
    if (editor && u->id && u->id == editor->id) {
        if (!u->active) return fail(err, "active", "self_deactivate");
        if (!auth_role_can(u->role, "users.manage")) return fail(err, "role", "self_demote");
    }
    return 0;
}

char *staffadmin_detail_json(const staffadmin_user_t *u, int password_changed)
{
    json_t *sites = json_array();
    for (int i = 0; sites && !u->all_sites && i < u->nsites; i++)
        json_array_append_new(sites, json_integer(u->sites[i]));
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:o, s:b, s:b}",
                          "username", u->username ? u->username : "",
                          "display_name", u->display_name ? u->display_name : "",
                          "role", u->role ? u->role : "", "all_sites", u->all_sites,
                          "sites", sites, "active", u->active, "password_changed", password_changed);
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

/* ---------- database ---------- */

static int load(db_t *db, arena_t *a, int64_t id, int for_update, staffadmin_user_t *out)
{
    memset(out, 0, sizeof *out);
    db_res_t *r;
    int rc = db_query(db, a, &r, for_update
        ? "SELECT id, username, display_name, role, all_sites, active FROM staff_users WHERE id = ? FOR UPDATE"
        : "SELECT id, username, display_name, role, all_sites, active FROM staff_users WHERE id = ?", "i", id);
    if (rc || r->nrows != 1) return rc;
    db_res_t *s;
    if ((rc = db_query(db, a, &s, "SELECT site_id FROM staff_user_sites WHERE user_id = ? ORDER BY site_id", "i", id)))
        return rc;
    int64_t *sites = arena_alloc(a, sizeof *sites * (size_t)(s->nrows ? s->nrows : 1));
    if (!sites) return DB_ERR;
    for (int i = 0; i < s->nrows; i++) sites[i] = db_cell_int(s, i, 0);
    out->id = db_cell_int(r, 0, 0);
    out->username = db_cell(r, 0, 1);
    out->display_name = db_cell(r, 0, 2);
    out->role = db_cell(r, 0, 3);
    out->all_sites = (int)db_cell_int(r, 0, 4);
    out->active = (int)db_cell_int(r, 0, 5);
    out->sites = sites;
    out->nsites = s->nrows;
    return DB_OK;
}

int staffadmin_load(db_t *db, arena_t *a, int64_t id, staffadmin_user_t *out)
{
    return load(db, a, id, 0, out);
}

/* Commits, or rolls back and passes the failure on. */
static int finish(db_t *db, int rc)
{
    if (rc == DB_OK) return db_commit(db);
    db_rollback(db);
    return rc;
}

/* Replaces the user's site list; all-sites users keep none. */
static int put_sites(db_t *db, const staffadmin_user_t *u, int64_t id, inv_error_t *err)
{
    long n = db_exec(db, "DELETE FROM staff_user_sites WHERE user_id = ?", "i", id);
    for (int i = 0; n >= 0 && !u->all_sites && i < u->nsites; i++)
        n = db_exec(db, "INSERT INTO staff_user_sites (user_id, site_id) VALUES (?, ?)", "ii", id, u->sites[i]);
    if (n == DB_ERR_FK) fail(err, "sites", "not_found");
    return n < 0 ? (int)n : DB_OK;
}

static int write_audit(db_t *db, const audit_actor_t *who, const char *action, const staffadmin_user_t *u,
                       int64_t id, int password_changed)
{
    char *detail = staffadmin_detail_json(u, password_changed);
    if (!detail) return DB_ERR;
    int rc = audit_write(db, who, action, "staff_user", id, 0, detail);
    free(detail);
    return rc;
}

int staffadmin_create(db_t *db, const audit_actor_t *who, const staffadmin_user_t *u,
                      const char *password_hash, int64_t *id, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "INSERT INTO staff_users (username, display_name, password_hash, role, all_sites, active)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        "ssssII", u->username, u->display_name ? u->display_name : "", password_hash, u->role,
        u->all_sites, u->active);
    if (n == DB_ERR_DUP) fail(err, "username", "taken");
    if (n < 0) return finish(db, (int)n);
    *id = db_last_id(db);
    if ((rc = put_sites(db, u, *id, err)) != DB_OK) return finish(db, rc);
    return finish(db, write_audit(db, who, "staff.create", u, *id, 1));
}

int staffadmin_update(db_t *db, arena_t *a, const audit_actor_t *who, const auth_user_t *editor,
                      const staffadmin_user_t *u, const char *password_hash, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    /* Re-read under lock: the scope check must hold for the row we change. */
    staffadmin_user_t cur;
    if ((rc = load(db, a, u->id, 1, &cur)) != DB_OK) return finish(db, rc);
    if (!cur.id || !staffadmin_can_manage(editor, cur.all_sites, cur.sites, cur.nsites)) {
        fail(err, "id", "not_found");
        return finish(db, DB_ERR_FK);
    }
    long n = db_exec(db,
        "UPDATE staff_users SET username = ?, display_name = ?, role = ?, all_sites = ?, active = ?,"
        " password_hash = COALESCE(?, password_hash) WHERE id = ?",
        "sssIIsi", u->username, u->display_name ? u->display_name : "", u->role, u->all_sites, u->active,
        password_hash, u->id);
    if (n == DB_ERR_DUP) fail(err, "username", "taken");
    if (n < 0) return finish(db, (int)n);
    if ((rc = put_sites(db, u, u->id, err)) != DB_OK) return finish(db, rc);
    if (!u->active || password_hash) {
        /* Whoever holds a session of this user now holds nothing; the editor
         * changing their own password stays logged in on this device. */
        int64_t keep = editor && editor->id == u->id ? editor->session_id : 0;
        n = db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", "ii", u->id, keep);
        if (n < 0) return finish(db, (int)n);
    }
    return finish(db, write_audit(db, who, "staff.update", u, u->id, password_hash != NULL));
}
