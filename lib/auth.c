#include "auth.h"
#include "secret.h"
#include "log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const auth_roles[] = { "admin", "operator", "cashier", "mailroom_clerk", "auditor", NULL };

/* Who may do what.  Read access to inventory is wide; changing it is not.
 * The auditor sees everything and changes nothing. */
static const struct { const char *perm; const char *roles; } perm_table[] = {
    { "dashboard.view",   "admin operator cashier mailroom_clerk auditor" },
    { "sites.view",       "admin operator cashier mailroom_clerk auditor" },
    { "sites.manage",     "admin" },
    { "inventory.view",   "admin operator cashier mailroom_clerk auditor" },
    { "inventory.manage", "admin operator" },
    { "cells.service",    "admin operator" },
    { "users.manage",     "admin" },
    { "apikeys.manage",   "admin" },
    { "audit.view",       "admin auditor" },
};

int auth_valid_role(const char *role)
{
    if (!role) return 0;
    for (int i = 0; auth_roles[i]; i++) if (!strcmp(auth_roles[i], role)) return 1;
    return 0;
}

int auth_role_can(const char *role, const char *perm)
{
    if (!auth_valid_role(role) || !perm) return 0;
    size_t rl = strlen(role);
    for (size_t i = 0; i < sizeof perm_table / sizeof perm_table[0]; i++) {
        if (strcmp(perm_table[i].perm, perm) != 0) continue;
        for (const char *p = perm_table[i].roles; (p = strstr(p, role)) != NULL; p += rl) {
            int starts = p == perm_table[i].roles || p[-1] == ' ';
            int ends = p[rl] == '\0' || p[rl] == ' ';
            if (starts && ends) return 1;
        }
        return 0;
    }
    return 0;   /* unknown permissions are denied */
}

void auth_policy_from_config(const config_t *cfg, auth_policy_t *p)
{
    p->session_hours = (int)config_int(cfg, "Auth.SessionHours", 12);
    p->throttle_failures = (int)config_int(cfg, "Auth.ThrottleFailures", 5);
    p->throttle_addr_failures = (int)config_int(cfg, "Auth.ThrottleAddressFailures", 50);
    p->throttle_window_min = (int)config_int(cfg, "Auth.ThrottleWindowMin", 15);
    p->lockout_min = (int)config_int(cfg, "Auth.LockoutMin", 15);
    p->pw_ops = (unsigned long long)config_int(cfg, "Auth.PasswordOps", 0);
    p->pw_mem_kib = (size_t)config_int(cfg, "Auth.PasswordMemKiB", 0);
}

int auth_password_acceptable(const char *pw, const char **why)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < 10) { *why = "password_too_short"; return 0; }
    if (n > 256) { *why = "password_too_long"; return 0; }
    return 1;
}

/* ---------- throttling ---------- */

static int is_locked(db_t *db, arena_t *a, const char *subject, int *locked)
{
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT 1 FROM login_throttle WHERE subject = ? AND locked_until > UTC_TIMESTAMP(6)",
        "s", subject);
    if (rc) return rc;
    *locked = r->nrows > 0;
    return DB_OK;
}

static int record_failure(db_t *db, const auth_policy_t *p, const char *subject, int limit)
{
    /* One statement: a failure outside the window starts a new window;
     * reaching the limit sets the lock. */
    long n = db_exec(db,
        "INSERT INTO login_throttle (subject, failures, window_start, locked_until)"
        " VALUES (?, 1, UTC_TIMESTAMP(6), IF(1 >= ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, NULL))"
        " ON DUPLICATE KEY UPDATE"
        "  failures = IF(window_start < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE, 1, failures + 1),"
        "  window_start = IF(failures = 1, UTC_TIMESTAMP(6), window_start),"
        "  locked_until = IF(failures >= ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, locked_until)",
        "sIIIII", subject, limit, p->lockout_min, p->throttle_window_min, limit, p->lockout_min);
    return n < 0 ? (int)n : DB_OK;
}

/* ---------- sessions ---------- */

static int load_user(db_t *db, arena_t *a, db_res_t *r, auth_user_t **out)
{
    auth_user_t *u = arena_alloc(a, sizeof *u);
    if (!u) return DB_ERR;
    u->session_id = db_cell_int(r, 0, 0);
    u->id = db_cell_int(r, 0, 1);
    u->username = db_cell(r, 0, 2);
    u->display_name = db_cell(r, 0, 3);
    u->role = db_cell(r, 0, 4);
    u->all_sites = (int)db_cell_int(r, 0, 5);
    const char *list = db_cell(r, 0, 6);
    if (list && *list) {
        int cap = 1;
        for (const char *p = list; *p; p++) if (*p == ',') cap++;
        int64_t *ids = arena_alloc(a, sizeof(int64_t) * (size_t)cap);
        if (!ids) return DB_ERR;
        const char *p = list;
        while (*p && u->nsites < cap) {
            ids[u->nsites++] = strtoll(p, NULL, 10);
            p = strchr(p, ',');
            if (!p) break;
            p++;
        }
        u->sites = ids;
    }
    (void)db;
    *out = u;
    return DB_OK;
}

#define USER_COLUMNS \
    " u.id, u.username, u.display_name, u.role, u.all_sites," \
    " (SELECT GROUP_CONCAT(site_id) FROM staff_user_sites WHERE user_id = u.id)"

int auth_session(db_t *db, arena_t *a, const char *token, auth_user_t **user)
{
    if (!token || strlen(token) != AUTH_TOKEN_LEN - 1) return AUTH_BAD_CREDENTIALS;
    char h[SECRET_HASH_HEX];
    secret_token_hash_hex(h, token);
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT s.id," USER_COLUMNS ", s.last_seen_at < UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE"
        " FROM sessions s JOIN staff_users u ON u.id = s.user_id"
        " WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(6) AND u.active = 1",
        "s", h);
    if (rc) return AUTH_DB_ERROR;
    if (r->nrows != 1) return AUTH_BAD_CREDENTIALS;
    if (load_user(db, a, r, user)) return AUTH_DB_ERROR;
    /* last_seen is for the operator's eyes; once a minute is enough. */
    if (db_cell_int(r, 0, 7))
        db_exec(db, "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", (*user)->session_id);
    return AUTH_OK;
}

int auth_login(db_t *db, arena_t *a, const auth_policy_t *p, const char *username,
               const char *password, const char *ip, const char *user_agent,
               char token[AUTH_TOKEN_LEN], auth_user_t **user)
{
    if (!username || !password || !*username || strlen(username) > 64 || strlen(password) > 256)
        return AUTH_BAD_CREDENTIALS;
    char *usub = arena_printf(a, "u:%s", username), *isub = arena_printf(a, "ip:%s", ip ? ip : "");
    for (char *c = usub; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    int locked_u = 0, locked_ip = 0;
    if (is_locked(db, a, usub, &locked_u) || is_locked(db, a, isub, &locked_ip)) return AUTH_DB_ERROR;
    if (locked_u || locked_ip) return AUTH_THROTTLED;

    db_res_t *r;
    if (db_query(db, a, &r, "SELECT id, password_hash FROM staff_users WHERE username = ? AND active = 1",
                 "s", username))
        return AUTH_DB_ERROR;
    /* Unknown names cost as much as known ones. */
    const char *hash = r->nrows == 1 ? db_cell(r, 0, 1) : secret_dummy_password_hash();
    int ok = secret_password_verify(hash, password) && r->nrows == 1;
    if (!ok) {
        if (record_failure(db, p, usub, p->throttle_failures) ||
            record_failure(db, p, isub, p->throttle_addr_failures))
            return AUTH_DB_ERROR;
        return AUTH_BAD_CREDENTIALS;
    }
    int64_t uid = db_cell_int(r, 0, 0);
    db_exec(db, "DELETE FROM login_throttle WHERE subject IN (?, ?)", "ss", usub, isub);

    secret_token(token, AUTH_TOKEN_LEN, 32);
    char h[SECRET_HASH_HEX];
    secret_token_hash_hex(h, token);
    char ua[256];
    snprintf(ua, sizeof ua, "%s", user_agent ? user_agent : "");
    if (db_exec(db, "INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent)"
                    " VALUES (?, ?, UTC_TIMESTAMP(6) + INTERVAL ? HOUR, ?, ?)",
                "siIss", h, uid, p->session_hours, ip ? ip : "", ua) < 0)
        return AUTH_DB_ERROR;
    db_exec(db, "UPDATE staff_users SET last_login_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", uid);
    /* Old, expired sessions of this user go now rather than piling up. */
    db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND expires_at < UTC_TIMESTAMP(6)", "i", uid);
    return auth_session(db, a, token, user) == AUTH_OK ? AUTH_OK : AUTH_DB_ERROR;
}

int auth_logout(db_t *db, const char *token)
{
    if (!token) return DB_OK;
    char h[SECRET_HASH_HEX];
    secret_token_hash_hex(h, token);
    long n = db_exec(db, "DELETE FROM sessions WHERE token_hash = ?", "s", h);
    return n < 0 ? (int)n : DB_OK;
}

void auth_csrf_for(const char *session_token, char out[AUTH_TOKEN_LEN])
{
    uint8_t h[SECRET_HASH_LEN];
    secret_hash(h, "strongroom-csrf-v1", 18, session_token, strlen(session_token));
    sodium_bin2base64(out, AUTH_TOKEN_LEN, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int auth_csrf_valid(const char *session_token, const char *submitted)
{
    if (!session_token || !*session_token || !submitted) return 0;
    char want[AUTH_TOKEN_LEN];
    auth_csrf_for(session_token, want);
    return secret_str_equal(want, submitted);
}

int auth_can_see_site(const auth_user_t *u, int64_t site_id)
{
    if (!u || site_id <= 0) return 0;
    if (u->all_sites) return 1;
    for (int i = 0; i < u->nsites; i++) if (u->sites[i] == site_id) return 1;
    return 0;
}
