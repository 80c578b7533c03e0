#include "audit.h"
#include "secret.h"
#include "log.h"
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <sodium.h>
#include <stdlib.h>
#include <jansson.h>

static void feed_str(crypto_generichash_state *st, const char *s)
{
    /* Length-prefixed so that no two different rows feed the same bytes. */
    uint64_t len = s ? strlen(s) : 0;
    crypto_generichash_update(st, (const unsigned char *)&len, sizeof len);
    if (len) crypto_generichash_update(st, (const unsigned char *)s, len);
}

static void feed_int(crypto_generichash_state *st, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    feed_str(st, buf);
}

void audit_row_hash(const audit_row_t *r, char out[65])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SECRET_HASH_LEN);
    feed_str(&st, "strongroom-audit-v1");
    feed_int(&st, r->id);
    feed_str(&st, r->at);
    feed_str(&st, r->actor_type);
    feed_int(&st, r->actor_id);
    feed_str(&st, r->actor_name);
    feed_str(&st, r->ip);
    feed_str(&st, r->action);
    feed_str(&st, r->object_type);
    feed_int(&st, r->object_id);
    feed_int(&st, r->site_id);
    feed_str(&st, r->detail);
    feed_str(&st, r->prev_hash);
    uint8_t h[SECRET_HASH_LEN];
    crypto_generichash_final(&st, h, sizeof h);
    secret_hex(out, h, sizeof h);
}

static void now_utc(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, 32, "%s.%06ld", base, (long)tv.tv_usec);
}

/* One row: the VALUES form, the statement every audited change sends. */
static int insert_one(db_t *db, const audit_row_t *row, const char *hash)
{
    long n = db_exec(db,
        "INSERT INTO audit_log (id, at, actor_type, actor_id, actor_name, ip, action, object_type,"
        " object_id, site_id, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?)",
        "ississssiisss", row->id, row->at, row->actor_type, row->actor_id, row->actor_name, row->ip,
        row->action, row->object_type, row->object_id, row->site_id, row->detail, row->prev_hash, hash);
    return n < 0 ? (int)n : DB_OK;
}

/* Many rows: one JSON array of [id, action, object_type, object_id,
 * site_id, detail, prev_hash, hash] read by JSON_TABLE, the actor and time
 * shared.  The rows go in id order, each extending the one before. */
static int insert_many(db_t *db, const audit_row_t *first, json_t *rows)
{
    char *text = json_dumps(rows, JSON_COMPACT);
    if (!text) return DB_ERR;
    long n = db_exec(db,
        "INSERT INTO audit_log (id, at, actor_type, actor_id, actor_name, ip, action, object_type,"
        " object_id, site_id, detail, prev_hash, hash)"
        " SELECT r.id, ?, ?, NULLIF(?, 0), ?, ?, r.action, r.object_type, NULLIF(r.object_id, 0),"
        " NULLIF(r.site_id, 0), r.detail, r.prev_hash, r.hash"
        " FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$[0]', action VARCHAR(64) PATH '$[1]',"
        "   object_type VARCHAR(32) PATH '$[2]', object_id BIGINT UNSIGNED PATH '$[3]',"
        "   site_id BIGINT UNSIGNED PATH '$[4]', detail TEXT PATH '$[5]', prev_hash CHAR(64) PATH '$[6]',"
        "   hash CHAR(64) PATH '$[7]')) r ORDER BY r.id",
        "ssisss", first->at, first->actor_type, first->actor_id, first->actor_name, first->ip, text);
    free(text);
    return n < 0 ? (int)n : DB_OK;
}

int audit_append(db_t *db, int64_t next_id, const char *prev_hash, const audit_actor_t *actor,
                 const audit_entry_t *rows, int n)
{
    if (n <= 0) return DB_OK;
    char at[32];
    now_utc(at);
    char hash[65], prev[65];
    snprintf(prev, sizeof prev, "%s", prev_hash ? prev_hash : "");
    json_t *many = n > 1 ? json_array() : NULL;
    if (n > 1 && !many) return DB_ERR;
    audit_row_t row = { 0 };
    for (int i = 0; i < n; i++) {
        const audit_entry_t *e = &rows[i];
        row = (audit_row_t){
            .id = next_id + i,
            .at = at,
            .actor_type = actor && actor->type ? actor->type : "system",
            .actor_id = actor ? actor->id : 0,
            .actor_name = actor && actor->name ? actor->name : "",
            .ip = actor && actor->ip ? actor->ip : "",
            .action = e->action,
            .object_type = e->object_type ? e->object_type : "",
            .object_id = e->object_id,
            .site_id = e->site_id,
            .detail = e->detail ? e->detail : "{}",
            .prev_hash = prev,
        };
        audit_row_hash(&row, hash);
        if (many && json_array_append_new(many, json_pack("[I, s, s, I, I, s, s, s]", (json_int_t)row.id, row.action,
                                                          row.object_type, (json_int_t)row.object_id,
                                                          (json_int_t)row.site_id, row.detail, prev, hash)) != 0) {
            json_decref(many);
            return DB_ERR;
        }
        if (!many) break;
        memcpy(prev, hash, sizeof prev);
    }
    /* The table's trigger checks that each row extends the head and moves
     * the head to it, in the same statement. */
    int rc = many ? insert_many(db, &row, many) : insert_one(db, &row, hash);
    json_decref(many);
    return rc;
}

int audit_write(db_t *db, const audit_actor_t *actor, const char *action,
                const char *object_type, int64_t object_id, int64_t site_id,
                const char *detail)
{
    int own_tx = !db_in_tx(db);
    int rc;
    if (own_tx && (rc = db_begin(db)) != DB_OK) return rc;

    arena_t *a = arena_new(1024);
    if (!a) { if (own_tx) db_rollback(db); return DB_ERR; }
    db_res_t *head;
    rc = db_query(db, a, &head, "SELECT last_id + 1, last_hash FROM audit_head WHERE id = 1 FOR UPDATE", "");
    if (rc == DB_OK && head->nrows != 1) rc = DB_ERR;
    audit_entry_t e = { action, object_type, object_id, site_id, detail };
    if (rc == DB_OK) rc = audit_append(db, db_cell_int(head, 0, 0), db_cell(head, 0, 1), actor, &e, 1);
    arena_free(a);
    if (rc != DB_OK) { if (own_tx) db_rollback(db); return rc; }
    return own_tx ? db_commit(db) : DB_OK;
}

int audit_verify(db_t *db, audit_verify_result_t *res)
{
    memset(res, 0, sizeof *res);
    arena_t *a = arena_new(256 * 1024);
    if (!a) return DB_ERR;
    char prev[65];
    memset(prev, '0', 64);
    prev[64] = '\0';
    int64_t last_id = 0;
    int rc = 0;
    for (;;) {
        db_res_t *rows;
        /* The time is formatted by the server so the text hashed at write
         * time comes back byte for byte. */
        int q = db_query(db, a, &rows,
            "SELECT id, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), actor_type, COALESCE(actor_id, 0),"
            " actor_name, ip, action, object_type, COALESCE(object_id, 0), COALESCE(site_id, 0),"
            " detail, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT 1000",
            "i", last_id);
        if (q != DB_OK) { arena_free(a); return q; }
        if (rows->nrows == 0) break;
        for (int i = 0; i < rows->nrows && rc == 0; i++) {
            audit_row_t row = {
                .id = db_cell_int(rows, i, 0), .at = db_cell(rows, i, 1),
                .actor_type = db_cell(rows, i, 2), .actor_id = db_cell_int(rows, i, 3),
                .actor_name = db_cell(rows, i, 4), .ip = db_cell(rows, i, 5),
                .action = db_cell(rows, i, 6), .object_type = db_cell(rows, i, 7),
                .object_id = db_cell_int(rows, i, 8), .site_id = db_cell_int(rows, i, 9),
                .detail = db_cell(rows, i, 10), .prev_hash = db_cell(rows, i, 11),
            };
            char want[65];
            audit_row_hash(&row, want);
            if (row.id != last_id + 1) {
                snprintf(res->problem, sizeof res->problem, "row %lld missing (next row is %lld)",
                         (long long)last_id + 1, (long long)row.id);
                res->first_bad_id = last_id + 1;
                rc = 1;
            } else if (!row.prev_hash || strcmp(row.prev_hash, prev) != 0) {
                snprintf(res->problem, sizeof res->problem, "row %lld does not link to the row before it", (long long)row.id);
                res->first_bad_id = row.id;
                rc = 1;
            } else if (!db_cell(rows, i, 12) || strcmp(db_cell(rows, i, 12), want) != 0) {
                snprintf(res->problem, sizeof res->problem, "row %lld was changed after it was written", (long long)row.id);
                res->first_bad_id = row.id;
                rc = 1;
            }
            snprintf(prev, sizeof prev, "%s", db_cell(rows, i, 12) ? db_cell(rows, i, 12) : "");
            last_id = row.id;
            res->rows++;
        }
        arena_reset(a);
        if (rc) break;
    }
    if (rc == 0) {
        db_res_t *head;
        int q = db_query(db, a, &head, "SELECT last_id, last_hash FROM audit_head WHERE id = 1", "");
        if (q != DB_OK) { arena_free(a); return q; }
        if (head->nrows != 1 || db_cell_int(head, 0, 0) != last_id || strcmp(db_cell(head, 0, 1), prev) != 0) {
            snprintf(res->problem, sizeof res->problem, "the chain head does not match the last row (rows were removed from the end?)");
            res->first_bad_id = last_id;
            rc = 1;
        }
    }
    arena_free(a);
    return rc;
}
