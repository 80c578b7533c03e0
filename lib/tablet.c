#include "tablet.h"
#include "secret.h"
#include "utf8.h"
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- codes (pure) ---------- */

void tablet_code_new(char out[TABLET_CODE_LEN])
{
    static const char alphabet[] = TABLET_CODE_ALPHABET;
    for (int i = 0; i < TABLET_CODE_CHARS; i++)
        out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof alphabet - 1))];
    out[TABLET_CODE_CHARS] = '\0';
}

int tablet_code_normalize(const char *typed, char out[TABLET_CODE_LEN])
{
    int n = 0;
    out[0] = '\0';
    if (!typed) return -1;
    for (const char *p = typed; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-' || c == '\t') continue;   /* people group what they read */
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (!strchr(TABLET_CODE_ALPHABET, c) || c == '\0' || n >= TABLET_CODE_CHARS) { out[0] = '\0'; return -1; }
        out[n++] = c;
    }
    out[n] = '\0';
    if (n != TABLET_CODE_CHARS) { out[0] = '\0'; return -1; }
    return 0;
}

int tablet_validate_name(const char *name, inv_error_t *err)
{
    const char *p = name;
    while (p && (*p == ' ' || *p == '\t')) p++;
    if (!p || !*p) { err->field = "name"; err->code = "required"; return -1; }
    if (utf8_chars(name) > 120) { err->field = "name"; err->code = "too_long"; return -1; }
    return 0;
}

void tablet_policy_from_config(const config_t *cfg, tablet_policy_t *p)
{
    p->max_failures = (int)config_int(cfg, "Enroll.PairFailures", 10);
    p->window_min = (int)config_int(cfg, "Enroll.PairWindowMin", 15);
    p->lockout_min = (int)config_int(cfg, "Enroll.PairLockoutMin", 15);
}

audit_actor_t tablet_actor(const tablet_t *t, const char *ip)
{
    audit_actor_t a = { .type = "device", .id = t ? t->id : 0, .name = t ? t->name : "", .ip = ip };
    return a;
}

/* ---------- back office ---------- */

static int finish(db_t *db, int rc)
{
    if (rc == DB_OK) return db_commit(db);
    db_rollback(db);
    return rc;
}

static char *name_json(const char *name)
{
    json_t *j = json_pack("{s:s}", "name", name ? name : "");
    char *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return out;
}

int tablet_create(db_t *db, const audit_actor_t *who, int64_t site_id, const char *name,
                  char code[TABLET_CODE_LEN], int64_t *id, inv_error_t *err)
{
    if (tablet_validate_name(name, err) != 0) return DB_ERR;
    char hash[SECRET_HASH_HEX];
    int rc = DB_ERR;
    /* A code collides with a live one only by a tiny chance; the unique
     * key catches it and a fresh code is drawn. */
    for (int attempt = 0; attempt < 4; attempt++) {
        tablet_code_new(code);
        secret_token_hash_hex(hash, code);
        if ((rc = db_begin(db)) != DB_OK) return rc;
        long n = db_exec(db,
            "INSERT INTO tablets (site_id, name, pairing_code_hash, pairing_expires_at, created_by)"
            " VALUES (?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, NULLIF(?, 0))",
            "issIi", site_id, name, hash, TABLET_CODE_MINUTES, who && !strcmp(who->type, "staff") ? who->id : 0);
        if (n == DB_ERR_DUP) { db_rollback(db); continue; }
        if (n == DB_ERR_FK) { err->field = "site_id"; err->code = "not_found"; }
        if (n < 0) return finish(db, (int)n);
        *id = db_last_id(db);
        char *detail = name_json(name);
        rc = audit_write(db, who, "tablet.create", "tablet", *id, site_id, detail);
        free(detail);
        return finish(db, rc);
    }
    return rc == DB_OK ? DB_ERR_DUP : rc;
}

int tablet_new_code(db_t *db, const audit_actor_t *who, int64_t id, char code[TABLET_CODE_LEN])
{
    char hash[SECRET_HASH_HEX];
    for (int attempt = 0; attempt < 4; attempt++) {
        tablet_code_new(code);
        secret_token_hash_hex(hash, code);
        int rc = db_begin(db);
        if (rc) return rc;
        long n = db_exec(db,
            "UPDATE tablets SET pairing_code_hash = ?, pairing_expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MINUTE"
            " WHERE id = ? AND revoked_at IS NULL", "sIi", hash, TABLET_CODE_MINUTES, id);
        if (n == DB_ERR_DUP) { db_rollback(db); continue; }
        if (n == 0) return finish(db, DB_ERR_FK);
        if (n < 0) return finish(db, (int)n);
        rc = audit_write(db, who, "tablet.pairing_code", "tablet", id, tablet_site(db, NULL, id), NULL);
        return finish(db, rc);
    }
    return DB_ERR_DUP;
}

int tablet_revoke(db_t *db, const audit_actor_t *who, int64_t id)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "UPDATE tablets SET revoked_at = UTC_TIMESTAMP(6), token_hash = NULL, pairing_code_hash = NULL,"
        " pairing_expires_at = NULL WHERE id = ? AND revoked_at IS NULL", "i", id);
    if (n == 0) return finish(db, DB_ERR_FK);
    if (n < 0) return finish(db, (int)n);
    rc = audit_write(db, who, "tablet.revoke", "tablet", id, tablet_site(db, NULL, id), NULL);
    return finish(db, rc);
}

int64_t tablet_site(db_t *db, arena_t *a, int64_t id)
{
    arena_t *own = a ? NULL : arena_new(1024);
    db_res_t *r;
    int64_t site = 0;
    if (db_query(db, a ? a : own, &r, "SELECT site_id FROM tablets WHERE id = ?", "i", id) == DB_OK && r->nrows == 1)
        site = db_cell_int(r, 0, 0);
    if (own) arena_free(own);
    return site;
}

/* ---------- device side ---------- */

#define TABLET_COLS \
    "t.id, t.site_id, t.name, s.name, s.languages, s.time_zone, s.currency"

static tablet_t *tablet_from(arena_t *a, const db_res_t *r)
{
    tablet_t *t = arena_alloc(a, sizeof *t);
    if (!t) return NULL;
    t->id = db_cell_int(r, 0, 0);
    t->site_id = db_cell_int(r, 0, 1);
    t->name = db_cell(r, 0, 2);
    t->site_name = db_cell(r, 0, 3);
    t->site_languages = db_cell(r, 0, 4);
    t->site_time_zone = db_cell(r, 0, 5);
    t->site_currency = db_cell(r, 0, 6);
    return t;
}

int tablet_pair(db_t *db, arena_t *a, const tablet_policy_t *p, const char *typed_code, const char *ip,
                char token[TABLET_TOKEN_LEN], tablet_t **out)
{
    const char *subject = arena_printf(a, "pair:%s", ip ? ip : "");
    db_res_t *r;
    if (db_query(db, a, &r,
                 "SELECT 1 FROM login_throttle WHERE subject = ? AND locked_until > UTC_TIMESTAMP(6)", "s", subject))
        return TABLET_DB_ERROR;
    if (r->nrows > 0) return TABLET_THROTTLED;

    char code[TABLET_CODE_LEN];
    if (tablet_code_normalize(typed_code, code) == 0) {
        char hash[SECRET_HASH_HEX];
        secret_token_hash_hex(hash, code);
        if (db_begin(db)) return TABLET_DB_ERROR;
        if (db_query(db, a, &r,
                     "SELECT " TABLET_COLS " FROM tablets t JOIN sites s ON s.id = t.site_id"
                     " WHERE t.pairing_code_hash = ? AND t.pairing_expires_at > UTC_TIMESTAMP(6)"
                     " AND t.revoked_at IS NULL FOR UPDATE", "s", hash)) {
            db_rollback(db);
            return TABLET_DB_ERROR;
        }
        tablet_t *t = r->nrows == 1 ? tablet_from(a, r) : NULL;
        if (t) {
            secret_token(token, TABLET_TOKEN_LEN, 32);
            char th[SECRET_HASH_HEX];
            secret_token_hash_hex(th, token);
            /* The code is spent: pairing again needs a new one. */
            int rc = db_exec(db,
                "UPDATE tablets SET token_hash = ?, paired_at = UTC_TIMESTAMP(6), last_seen_at = UTC_TIMESTAMP(6),"
                " pairing_code_hash = NULL, pairing_expires_at = NULL WHERE id = ?", "si", th, t->id) == 1 ? DB_OK : DB_ERR;
            audit_actor_t who = tablet_actor(t, ip);
            if (rc == DB_OK) rc = audit_write(db, &who, "tablet.pair", "tablet", t->id, t->site_id, NULL);
            if (rc == DB_OK) rc = db_commit(db);
            else db_rollback(db);
            if (rc != DB_OK) return TABLET_DB_ERROR;
            db_exec(db, "DELETE FROM login_throttle WHERE subject = ?", "s", subject);
            *out = t;
            return TABLET_OK;
        }
        db_rollback(db);
    }
    /* Same statement as the staff log-in throttle: a failure outside the
     * window starts a new one; reaching the limit locks. */
    long n = db_exec(db,
        "INSERT INTO login_throttle (subject, failures, window_start, locked_until)"
        " VALUES (?, 1, UTC_TIMESTAMP(6), IF(1 >= ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, NULL))"
        " ON DUPLICATE KEY UPDATE"
        "  failures = IF(window_start < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE, 1, failures + 1),"
        "  window_start = IF(failures = 1, UTC_TIMESTAMP(6), window_start),"
        "  locked_until = IF(failures >= ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, locked_until)",
        "sIIIII", subject, p->max_failures, p->lockout_min, p->window_min, p->max_failures, p->lockout_min);
    return n < 0 ? TABLET_DB_ERROR : TABLET_BAD_CODE;
}

int tablet_resolve(db_t *db, arena_t *a, const char *token, tablet_t **out)
{
    if (!token || strlen(token) != TABLET_TOKEN_LEN - 1) return TABLET_BAD_CODE;
    char th[SECRET_HASH_HEX];
    secret_token_hash_hex(th, token);
    db_res_t *r;
    if (db_query(db, a, &r,
                 "SELECT " TABLET_COLS ", t.last_seen_at IS NULL OR t.last_seen_at < UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE"
                 " FROM tablets t JOIN sites s ON s.id = t.site_id"
                 " WHERE t.token_hash = ? AND t.revoked_at IS NULL", "s", th))
        return TABLET_DB_ERROR;
    if (r->nrows != 1) return TABLET_BAD_CODE;
    tablet_t *t = tablet_from(a, r);
    if (!t) return TABLET_DB_ERROR;
    /* "Last seen" is for the operator's list; once a minute is plenty. */
    if (db_cell_int(r, 0, 7)) db_exec(db, "UPDATE tablets SET last_seen_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", t->id);
    *out = t;
    return TABLET_OK;
}

/* Both forms walk ix_enrollment_site_state once per site in scope. */
int tablet_enrollments_pending(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n)
{
    db_res_t *r;
    int rc = u->all_sites
        ? db_query(db, a, &r, "SELECT COUNT(*) FROM sites s JOIN enrollment_requests e"
                              " ON e.site_id = s.id AND e.state = 'pending'", "")
        : db_query(db, a, &r, "SELECT COUNT(*) FROM staff_user_sites us JOIN enrollment_requests e"
                              " ON e.site_id = us.site_id AND e.state = 'pending' WHERE us.user_id = ?", "i", u->id);
    if (rc) return rc;
    *n = db_cell_int(r, 0, 0);
    return DB_OK;
}
