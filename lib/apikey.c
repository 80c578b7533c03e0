#include "apikey.h"
#include "secret.h"
#include "utf8.h"
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int apikey_validate(const apikey_spec_t *s, inv_error_t *err)
{
    const char *n = s->name;
    while (n && (*n == ' ' || *n == '\t')) n++;
    if (!n || !*n) { err->field = "name"; err->code = "required"; return -1; }
    if (utf8_chars(s->name) > 120) { err->field = "name"; err->code = "too_long"; return -1; }
    if (!s->all_sites && s->nsites < 1) { err->field = "sites"; err->code = "no_sites"; return -1; }
    return 0;
}

static int seen_before(const int64_t *ids, int i)
{
    for (int j = 0; j < i; j++) if (ids[j] == ids[i]) return 1;
    return 0;
}

int apikey_create(db_t *db, const audit_actor_t *who, int64_t created_by, const apikey_spec_t *spec,
                  char key[APIKEY_LEN], int64_t *id)
{
    char token[APIKEY_CHARS - 3 + 1];
    secret_token(token, sizeof token, 32);
    snprintf(key, APIKEY_LEN, "sr_%s", token);
    char hash[SECRET_HASH_HEX];
    secret_token_hash_hex(hash, key);
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%.8s", key);
    sodium_memzero(token, sizeof token);     /* key is the one copy the caller shows */

    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "INSERT INTO api_keys (name, prefix, key_hash, all_sites, can_write, created_by)"
        " VALUES (?, ?, ?, ?, ?, NULLIF(?, 0))",
        "sssIIi", spec->name, prefix, hash, spec->all_sites, spec->can_write, created_by);
    if (n < 0) { db_rollback(db); return (int)n; }
    *id = db_last_id(db);
    for (int i = 0; !spec->all_sites && i < spec->nsites; i++) {
        if (seen_before(spec->sites, i)) continue;    /* a repeated id would break the primary key */
        n = db_exec(db, "INSERT INTO api_key_sites (key_id, site_id) VALUES (?, ?)", "ii", *id, spec->sites[i]);
        if (n < 0) { db_rollback(db); return (int)n; }
    }
    json_t *sites = json_array();
    for (int i = 0; !spec->all_sites && i < spec->nsites; i++)
        if (!seen_before(spec->sites, i)) json_array_append_new(sites, json_integer(spec->sites[i]));
    json_t *j = json_pack("{s:s, s:s, s:b, s:b, s:o}", "name", spec->name, "prefix", prefix,
                          "all_sites", spec->all_sites, "can_write", spec->can_write, "sites", sites);
    char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    rc = audit_write(db, who, "apikey.create", "api_key", *id, 0, detail);
    free(detail);
    if (rc) { db_rollback(db); return rc; }
    return db_commit(db);
}

int apikey_revoke(db_t *db, const audit_actor_t *who, int64_t id)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db, "UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(6) WHERE id = ? AND revoked_at IS NULL", "i", id);
    if (n == 0) { db_rollback(db); return DB_ERR_FK; }
    if (n < 0) { db_rollback(db); return (int)n; }
    rc = audit_write(db, who, "apikey.revoke", "api_key", id, 0, NULL);
    if (rc) { db_rollback(db); return rc; }
    return db_commit(db);
}

int apikey_resolve(db_t *db, arena_t *a, const char *auth, apikey_t **out)
{
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) return APIKEY_UNAUTHORIZED;
    const char *key = auth + 7;
    while (*key == ' ') key++;
    /* Only a well-formed key is worth a database round trip. */
    if (strlen(key) != APIKEY_CHARS || strncmp(key, "sr_", 3) != 0) return APIKEY_UNAUTHORIZED;
    char hash[SECRET_HASH_HEX];
    secret_token_hash_hex(hash, key);
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT id, name, all_sites, can_write,"
        " last_used_at IS NULL OR last_used_at < UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE"
        " FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", "s", hash);
    if (rc) return APIKEY_DB_ERROR;
    if (r->nrows != 1) return APIKEY_UNAUTHORIZED;
    apikey_t *k = arena_alloc(a, sizeof *k);
    if (!k) return APIKEY_DB_ERROR;
    k->id = db_cell_int(r, 0, 0);
    k->name = db_cell(r, 0, 1);
    k->all_sites = (int)db_cell_int(r, 0, 2);
    k->can_write = (int)db_cell_int(r, 0, 3);
    int stale = (int)db_cell_int(r, 0, 4);
    if (!k->all_sites) {
        /* Rows, not GROUP_CONCAT: that one is cut at group_concat_max_len
         * and a long list would quietly lose sites. */
        db_res_t *s;
        if (db_query(db, a, &s, "SELECT site_id FROM api_key_sites WHERE key_id = ?", "i", k->id) != DB_OK)
            return APIKEY_DB_ERROR;
        int64_t *ids = arena_alloc(a, sizeof(int64_t) * (size_t)(s->nrows + 1));
        if (!ids) return APIKEY_DB_ERROR;
        for (int i = 0; i < s->nrows; i++) ids[i] = db_cell_int(s, i, 0);
        k->sites = ids;
        k->nsites = s->nrows;
    }
    /* Last use is for the operator's eyes; once a minute is enough, and a
     * failed write of it must not refuse an otherwise good request. */
    if (stale) db_exec(db, "UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", k->id);
    *out = k;
    return APIKEY_OK;
}

int apikey_can_see_site(const apikey_t *k, int64_t site_id)
{
    if (!k || site_id <= 0) return 0;
    if (k->all_sites) return 1;
    for (int i = 0; i < k->nsites; i++) if (k->sites[i] == site_id) return 1;
    return 0;
}
