#include "auth.h"
#include "secret.h"
#include "log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
    /* lock-control boards: opening a cell by hand fires a real lock */
    { "cells.open",       "admin operator" },
    { "boards.manage",    "admin" },
    { "alarms.view",      "admin operator auditor" },
    { "alarms.ack",       "admin operator" },
    { "users.manage",     "admin" },
    { "apikeys.manage",   "admin" },
    { "audit.view",       "admin auditor" },
    /* vault */
    { "customers.view",   "admin operator cashier auditor" },
    { "customers.manage", "admin operator" },
    { "plans.manage",     "admin" },
    { "contracts.manage", "admin operator" },
    { "ledger.view",      "admin operator cashier auditor" },
    { "payments.record",  "admin operator cashier" },
    { "ledger.adjust",    "admin" },               /* credits, debits, write-offs, reversals */
    { "tablets.manage",   "admin" },
    { "enrollments.review", "admin operator" },
    { "visits.view",      "admin operator auditor" },
    { "visits.record",    "admin operator" },
    /* enrolling and deleting customers' fingerprints (special-category data) */
    { "fingerprints.enroll", "admin operator" },
    /* The second person who lets a customer in without a fingerprint. */
    { "visits.override_approve", "admin" },
    /* billing and notices: an operator decides on parked rent and on
     * messages that failed or may have gone out */
    { "contracts.billing", "admin operator" },
    { "outbox.view",      "admin operator auditor" },
    { "outbox.manage",    "admin operator" },       /* resend, cancel */
};

int auth_valid_role(const char *role)
{
    if (!role) return 0;
    for (int i = 0; auth_roles[i]; i++) if (!strcmp(auth_roles[i], role)) return 1;
    return 0;
}

const char *auth_perm_at(size_t i)
{
    return i < sizeof perm_table / sizeof perm_table[0] ? perm_table[i].perm : NULL;
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

/* The session lookup proper; *valid_s receives the seconds it has left. */
static int session_lookup(db_t *db, arena_t *a, const char *token, auth_user_t **user, long *valid_s)
{
    if (!token || strlen(token) != AUTH_TOKEN_LEN - 1) return AUTH_BAD_CREDENTIALS;
    char h[SECRET_HASH_HEX];
    secret_token_hash_hex(h, token);
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT s.id," USER_COLUMNS ", s.last_seen_at < UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE,"
        " TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), s.expires_at)"
        " FROM sessions s JOIN staff_users u ON u.id = s.user_id"
        " WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(6) AND u.active = 1",
        "s", h);
    if (rc) return AUTH_DB_ERROR;
    if (r->nrows != 1) return AUTH_BAD_CREDENTIALS;
    if (load_user(db, a, r, user)) return AUTH_DB_ERROR;
    /* last_seen is for the operator's eyes; once a minute is enough. */
    if (db_cell_int(r, 0, 7))
        db_exec(db, "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", (*user)->session_id);
    if (valid_s) *valid_s = (long)db_cell_int(r, 0, 8);
    return AUTH_OK;
}

int auth_session(db_t *db, arena_t *a, const char *token, auth_user_t **user)
{
    return session_lookup(db, a, token, user, NULL);
}

/* ---------- the per-worker session cache ---------- */

struct cached_session {
    char token_hash[SECRET_HASH_HEX];
    int64_t until_ms;
    auth_user_t user;                /* strings and sites point into the entry's own block */
    char *block;
};

struct auth_cache {
    struct cached_session *e;
    int n, next;
    int ttl_ms;
    uint64_t *generation, seen;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

auth_cache_t *auth_cache_new(int entries, int ttl_ms, uint64_t *generation)
{
    auth_cache_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->e = calloc((size_t)entries, sizeof *c->e);
    if (!c->e) { free(c); return NULL; }
    c->n = entries;
    c->ttl_ms = ttl_ms;
    c->generation = generation;
    c->seen = generation ? __atomic_load_n(generation, __ATOMIC_ACQUIRE) : 0;
    return c;
}

static void cache_clear(auth_cache_t *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->e[i].block);
        memset(&c->e[i], 0, sizeof c->e[i]);
    }
}

void auth_cache_free(auth_cache_t *c)
{
    if (!c) return;
    cache_clear(c);
    free(c->e);
    free(c);
}

void auth_sessions_changed(auth_cache_t *c)
{
    if (!c) return;
    cache_clear(c);
    if (c->generation) c->seen = __atomic_add_fetch(c->generation, 1, __ATOMIC_ACQ_REL);
}

/* Copies a user into one malloc'd block owned by the cache entry. */
static int cache_store(struct cached_session *e, const auth_user_t *u)
{
    size_t lu = strlen(u->username) + 1, ld = strlen(u->display_name ? u->display_name : "") + 1,
           lr = strlen(u->role) + 1, ls = sizeof(int64_t) * (size_t)u->nsites;
    char *b = malloc(ls + lu + ld + lr);
    if (!b) return -1;
    free(e->block);
    e->block = b;
    e->user = *u;
    if (ls) { memcpy(b, u->sites, ls); e->user.sites = (const int64_t *)b; }
    char *p = b + ls;
    e->user.username = memcpy(p, u->username, lu); p += lu;
    e->user.display_name = memcpy(p, u->display_name ? u->display_name : "", ld); p += ld;
    e->user.role = memcpy(p, u->role, lr);
    return 0;
}

int auth_session_cached(auth_cache_t *c, db_t *db, arena_t *a, const char *token, auth_user_t **user)
{
    if (!c) return auth_session(db, a, token, user);
    if (!token || strlen(token) != AUTH_TOKEN_LEN - 1) return AUTH_BAD_CREDENTIALS;
    if (c->generation) {
        uint64_t g = __atomic_load_n(c->generation, __ATOMIC_ACQUIRE);
        if (g != c->seen) { cache_clear(c); c->seen = g; }
    }
    char h[SECRET_HASH_HEX];
    secret_token_hash_hex(h, token);
    int64_t now = now_ms();
    for (int i = 0; i < c->n; i++) {
        struct cached_session *e = &c->e[i];
        if (e->block && e->until_ms > now && !strcmp(e->token_hash, h)) {
            auth_user_t *u = arena_alloc(a, sizeof *u);
            if (!u) return AUTH_DB_ERROR;
            *u = e->user;
            *user = u;
            return AUTH_OK;
        }
    }
    long valid_s = 0;
    int rc = session_lookup(db, a, token, user, &valid_s);
    if (rc != AUTH_OK) return rc;
    struct cached_session *e = &c->e[c->next];
    c->next = (c->next + 1) % c->n;
    int64_t ttl = valid_s * 1000 < c->ttl_ms ? valid_s * 1000 : c->ttl_ms;
    if (ttl > 0 && cache_store(e, *user) == 0) {
        memcpy(e->token_hash, h, sizeof h);
        e->until_ms = now + ttl;
    }
    return AUTH_OK;
}

/* The password check of a log-in and of a second person's approval:
 * throttled by user name and by address like every log-in, unknown names
 * costing as much as known ones.  AUTH_OK with *uid and the row's role. */
static int check_credentials(db_t *db, arena_t *a, const auth_policy_t *p, const char *username,
                             const char *password, const char *ip, int64_t *uid, const char **role)
{
    if (!username || !password || !*username || strlen(username) > 64 || strlen(password) > 256)
        return AUTH_BAD_CREDENTIALS;
    char *usub = arena_printf(a, "u:%s", username), *isub = arena_printf(a, "ip:%s", ip ? ip : "");
    for (char *c = usub; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    int locked_u = 0, locked_ip = 0;
    if (is_locked(db, a, usub, &locked_u) || is_locked(db, a, isub, &locked_ip)) return AUTH_DB_ERROR;
    if (locked_u || locked_ip) return AUTH_THROTTLED;

    db_res_t *r;
    if (db_query(db, a, &r, "SELECT id, password_hash, role FROM staff_users WHERE username = ? AND active = 1",
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
    *uid = db_cell_int(r, 0, 0);
    if (role) *role = db_cell(r, 0, 2);
    db_exec(db, "DELETE FROM login_throttle WHERE subject IN (?, ?)", "ss", usub, isub);
    return AUTH_OK;
}

int auth_confirm(db_t *db, arena_t *a, const auth_policy_t *p, const char *username, const char *password,
                 const char *ip, int64_t *user_id, const char **role)
{
    *user_id = 0;
    return check_credentials(db, a, p, username, password, ip, user_id, role);
}

int auth_login(db_t *db, arena_t *a, const auth_policy_t *p, const char *username,
               const char *password, const char *ip, const char *user_agent,
               char token[AUTH_TOKEN_LEN], auth_user_t **user)
{
    int64_t uid = 0;
    int rc = check_credentials(db, a, p, username, password, ip, &uid, NULL);
    if (rc != AUTH_OK) return rc;

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
