#include "db.h"
#include "log.h"
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 128
#define MAX_PARAMS 64

struct cached_stmt {
    char *sql;
    MYSQL_STMT *stmt;
};

struct db {
    MYSQL *conn;
    int connected, in_tx, read_committed;
    char user[128], pass[256], socket[512], host[256], name[128];
    unsigned port;
    struct cached_stmt cache[STMT_CACHE];
    int evict_next;
    int64_t last_id;
    char errbuf[512];
};

/* ---------- connection ---------- */

static void drop_statements(db_t *db)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        if (db->cache[i].stmt) mysql_stmt_close(db->cache[i].stmt);
        free(db->cache[i].sql);
        db->cache[i].stmt = NULL;
        db->cache[i].sql = NULL;
    }
}

static void disconnect(db_t *db)
{
    drop_statements(db);
    if (db->conn) mysql_close(db->conn);
    db->conn = NULL;
    db->connected = 0;
    db->in_tx = 0;
}

static int connect_now(db_t *db)
{
    if (db->connected) return DB_OK;
    db->conn = mysql_init(NULL);
    if (!db->conn) return DB_ERR;
    unsigned timeout = 3;
    mysql_optionsv(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    unsigned rw_timeout = 60;
    mysql_optionsv(db->conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_optionsv(db->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    mysql_optionsv(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* Everything is stored in UTC; strict mode turns silent truncation into errors. */
#define SESSION_SETTINGS "SET time_zone = '+00:00'," \
    " sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'"
    mysql_optionsv(db->conn, MYSQL_INIT_COMMAND,
                   db->read_committed ? SESSION_SETTINGS ", tx_isolation = 'READ-COMMITTED'" : SESSION_SETTINGS);
    if (!mysql_real_connect(db->conn, db->host[0] ? db->host : NULL, db->user,
                            db->pass[0] ? db->pass : NULL, db->name, db->port,
                            db->socket[0] ? db->socket : NULL, CLIENT_MULTI_STATEMENTS)) {
        snprintf(db->errbuf, sizeof db->errbuf, "connect: %s", mysql_error(db->conn));
        log_warn("database %s", db->errbuf);
        mysql_close(db->conn);
        db->conn = NULL;
        return DB_ERR_GONE;
    }
    db->connected = 1;
    return DB_OK;
}

db_t *db_open(const config_t *cfg, const char *account, char *err, size_t errlen)
{
    db_t *db = calloc(1, sizeof *db);
    if (!db) { snprintf(err, errlen, "out of memory"); return NULL; }
    char key[160];
    snprintf(key, sizeof key, "DB.Accounts.%s.User", account);
    const char *user = config_get(cfg, key, NULL);
    if (!user) { snprintf(err, errlen, "config has no %s", key); free(db); return NULL; }
    snprintf(db->user, sizeof db->user, "%s", user);
    snprintf(key, sizeof key, "DB.Accounts.%s.PasswordFile", account);
    if (config_get(cfg, key, NULL) && config_read_secret(cfg, key, db->pass, sizeof db->pass) != 0) {
        snprintf(err, errlen, "cannot read the password file named by %s", key);
        free(db);
        return NULL;
    }
    snprintf(db->socket, sizeof db->socket, "%s", config_get(cfg, "DB.Socket", ""));
    snprintf(db->host, sizeof db->host, "%s", config_get(cfg, "DB.Host", ""));
    snprintf(db->name, sizeof db->name, "%s", config_get(cfg, "DB.Name", "strongroom"));
    db->port = (unsigned)config_int(cfg, "DB.Port", 0);
    /* Not connecting yet: a worker must start (and answer 503) even while
     * the database is down. */
    return db;
}

int db_read_committed(db_t *db)
{
    db->read_committed = 1;
    if (!db->connected) return DB_OK;   /* set when it connects */
    long n = db_exec(db, "SET SESSION tx_isolation = 'READ-COMMITTED'", "");
    return n < 0 ? (int)n : DB_OK;
}

void db_close(db_t *db)
{
    if (!db) return;
    disconnect(db);
    free(db);
}

int db_ping(db_t *db)
{
    if (!db->connected) return connect_now(db);
    if (mysql_ping(db->conn) == 0) return DB_OK;
    disconnect(db);
    return connect_now(db);
}

const char *db_error(const db_t *db) { return db->errbuf; }
int db_in_tx(const db_t *db) { return db->in_tx; }
int64_t db_last_id(db_t *db) { return db->last_id; }

static int is_gone(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN ||
           e == CR_COMMANDS_OUT_OF_SYNC;
}

static int classify(db_t *db, unsigned e, const char *msg, const char *sql)
{
    snprintf(db->errbuf, sizeof db->errbuf, "%u: %s", e, msg);
    if (is_gone(e)) return DB_ERR_GONE;
    if (e == ER_DUP_ENTRY || e == ER_DUP_KEY) return DB_ERR_DUP;
    /* ER_AUTOINC_READ_FAILED is how InnoDB reports a deadlock on a table's
     * auto-increment lock: the transaction is rolled back like any other. */
    if (e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT || e == ER_AUTOINC_READ_FAILED) return DB_ERR_RETRY;
    if (e == ER_NO_REFERENCED_ROW_2 || e == ER_ROW_IS_REFERENCED_2) return DB_ERR_FK;
    log_error("sql error %u (%s) in: %.200s", e, msg, sql);
    return DB_ERR;
}

/* ---------- statements ---------- */

static MYSQL_STMT *prepare(db_t *db, const char *sql, int *rc)
{
    unsigned h = 2166136261u;
    for (const char *p = sql; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    int slot = (int)(h % STMT_CACHE);
    for (int probe = 0; probe < 8; probe++) {
        struct cached_stmt *c = &db->cache[(slot + probe) % STMT_CACHE];
        if (c->sql && strcmp(c->sql, sql) == 0) return c->stmt;
    }
    int target = -1;
    for (int probe = 0; probe < 8 && target < 0; probe++)
        if (!db->cache[(slot + probe) % STMT_CACHE].sql) target = (slot + probe) % STMT_CACHE;
    if (target < 0) {   /* all probed slots busy: evict one of them */
        target = (slot + db->evict_next++ % 8) % STMT_CACHE;
        mysql_stmt_close(db->cache[target].stmt);
        free(db->cache[target].sql);
        db->cache[target].sql = NULL;
        db->cache[target].stmt = NULL;
    }
    MYSQL_STMT *st = mysql_stmt_init(db->conn);
    if (!st) { *rc = DB_ERR; return NULL; }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        *rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        mysql_stmt_close(st);
        return NULL;
    }
    my_bool on = 1;
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    db->cache[target].sql = strdup(sql);
    db->cache[target].stmt = st;
    return st;
}

struct param_vals {
    MYSQL_BIND bind[MAX_PARAMS];
    long long ints[MAX_PARAMS];
    unsigned long lens[MAX_PARAMS];
    my_bool nulls[MAX_PARAMS];
};

static int bind_params(struct param_vals *pv, const char *types, va_list ap, char *err, size_t errlen)
{
    memset(pv->bind, 0, sizeof pv->bind);
    int n = 0;
    for (const char *t = types ? types : ""; *t; t++, n++) {
        if (n >= MAX_PARAMS) { snprintf(err, errlen, "too many parameters"); return -1; }
        MYSQL_BIND *b = &pv->bind[n];
        switch (*t) {
        case 'i': pv->ints[n] = va_arg(ap, int64_t); goto integer;
        case 'I': pv->ints[n] = va_arg(ap, int);
        integer:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &pv->ints[n];
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            b->buffer_type = MYSQL_TYPE_STRING;
            if (!s) { pv->nulls[n] = 1; b->is_null = &pv->nulls[n]; break; }
            b->buffer = (void *)s;
            pv->lens[n] = strlen(s);
            b->buffer_length = pv->lens[n];
            b->length = &pv->lens[n];
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            b->buffer_type = MYSQL_TYPE_BLOB;
            if (!p) { pv->nulls[n] = 1; b->is_null = &pv->nulls[n]; break; }
            b->buffer = (void *)p;
            pv->lens[n] = len;
            b->buffer_length = len;
            b->length = &pv->lens[n];
            break;
        }
        default:
            snprintf(err, errlen, "bad parameter type '%c'", *t);
            return -1;
        }
    }
    return n;
}

static int fetch_rows(db_t *db, MYSQL_STMT *st, arena_t *a, db_res_t **out, const char *sql)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    db_res_t *res = arena_alloc(a, sizeof *res);
    if (!res) { if (meta) mysql_free_result(meta); return DB_ERR; }
    if (out) *out = res;
    if (!meta) return DB_OK;                    /* statement returns no rows */
    if (mysql_stmt_store_result(st) != 0) {
        mysql_free_result(meta);
        return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
    }
    int ncols = (int)mysql_num_fields(meta);
    int nrows = (int)mysql_stmt_num_rows(st);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    res->ncols = ncols;
    res->nrows = nrows;
    res->names = arena_alloc(a, sizeof(char *) * (size_t)(ncols ? ncols : 1));
    res->cells = arena_alloc(a, sizeof(char *) * (size_t)(nrows * ncols + 1));
    res->lens = arena_alloc(a, sizeof(size_t) * (size_t)(nrows * ncols + 1));
    MYSQL_BIND *bind = arena_alloc(a, sizeof(MYSQL_BIND) * (size_t)(ncols ? ncols : 1));
    unsigned long *lens = arena_alloc(a, sizeof(unsigned long) * (size_t)(ncols ? ncols : 1));
    my_bool *nulls = arena_alloc(a, sizeof(my_bool) * (size_t)(ncols ? ncols : 1));
    if (!res->names || !res->cells || !res->lens || !bind || !lens || !nulls) {
        mysql_free_result(meta);
        mysql_stmt_free_result(st);
        return DB_ERR;
    }
    for (int c = 0; c < ncols; c++) {
        res->names[c] = arena_strdup(a, fields[c].name);
        unsigned long cap = fields[c].max_length > 64 ? fields[c].max_length : 64;
        bind[c].buffer_type = MYSQL_TYPE_STRING;
        bind[c].buffer = arena_alloc(a, cap + 1);
        bind[c].buffer_length = cap;
        bind[c].length = &lens[c];
        bind[c].is_null = &nulls[c];
    }
    mysql_free_result(meta);
    if (ncols && mysql_stmt_bind_result(st, bind) != 0) {
        mysql_stmt_free_result(st);
        return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
    }
    for (int r = 0; r < nrows; r++) {
        int frc = mysql_stmt_fetch(st);
        if (frc == 1 || frc == MYSQL_NO_DATA) { res->nrows = r; break; }
        for (int c = 0; c < ncols; c++) {
            int i = r * ncols + c;
            if (nulls[c]) { res->cells[i] = NULL; res->lens[i] = 0; continue; }
            char *v;
            if (lens[c] > bind[c].buffer_length) {   /* MYSQL_DATA_TRUNCATED for this column */
                v = arena_alloc(a, lens[c] + 1);
                MYSQL_BIND one = bind[c];
                one.buffer = v;
                one.buffer_length = lens[c];
                if (!v || mysql_stmt_fetch_column(st, &one, (unsigned)c, 0) != 0) {
                    mysql_stmt_free_result(st);
                    return DB_ERR;
                }
                v[lens[c]] = '\0';
            } else {
                v = arena_strndup(a, bind[c].buffer, lens[c]);
            }
            res->cells[i] = v;
            res->lens[i] = lens[c];
        }
    }
    mysql_stmt_free_result(st);
    return DB_OK;
}

/* One attempt: prepare (cached), bind, execute, fetch. */
static int run_once(db_t *db, arena_t *a, db_res_t **out, long *affected,
                    const char *sql, const char *types, va_list ap)
{
    int rc = connect_now(db);
    if (rc) return rc;
    MYSQL_STMT *st = prepare(db, sql, &rc);
    if (!st) return rc;
    struct param_vals pv;
    char err[128];
    va_list cp;
    va_copy(cp, ap);
    int n = bind_params(&pv, types, cp, err, sizeof err);
    va_end(cp);
    if (n < 0 || (unsigned long)n != mysql_stmt_param_count(st)) {
        log_error("parameter mismatch (%s) for: %.200s", n < 0 ? err : "count", sql);
        return DB_ERR;
    }
    if (n && mysql_stmt_bind_param(st, pv.bind) != 0)
        return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
    if (mysql_stmt_execute(st) != 0)
        return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
    if (affected) *affected = (long)mysql_stmt_affected_rows(st);
    db->last_id = (int64_t)mysql_stmt_insert_id(st);
    rc = a ? fetch_rows(db, st, a, out, sql) : DB_OK;
    if (!a) mysql_stmt_free_result(st);
    /* A CALL answers with its result set and then the procedure's own
     * status: both must be read before the connection takes the next
     * statement. */
    while (mysql_stmt_more_results(st)) {
        int more = mysql_stmt_next_result(st);
        if (more > 0) return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        if (more < 0) break;
        mysql_stmt_free_result(st);
    }
    return rc;
}

static int run(db_t *db, arena_t *a, db_res_t **out, long *affected,
               const char *sql, const char *types, va_list ap)
{
    int rc = run_once(db, a, out, affected, sql, types, ap);
    if (rc != DB_ERR_GONE) return rc;
    int was_in_tx = db->in_tx;
    disconnect(db);
    /* Inside a transaction the earlier statements are lost with the
     * connection: only the caller can start over. */
    if (was_in_tx) return DB_ERR_GONE;
    return run_once(db, a, out, affected, sql, types, ap);
}

int db_query(db_t *db, arena_t *a, db_res_t **out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = run(db, a, out, NULL, sql, types, ap);
    va_end(ap);
    return rc;
}

long db_exec(db_t *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    long affected = 0;
    int rc = run(db, NULL, NULL, &affected, sql, types, ap);
    va_end(ap);
    return rc ? rc : affected;
}

int db_exec_script(db_t *db, const char *sql, char *err, size_t errlen)
{
    int rc = connect_now(db);
    if (rc) { snprintf(err, errlen, "%s", db->errbuf); return rc; }
    if (mysql_real_query(db->conn, sql, strlen(sql)) != 0) {
        snprintf(err, errlen, "%s", mysql_error(db->conn));
        return DB_ERR;
    }
    /* Drain every result of a multi-statement script. */
    for (;;) {
        MYSQL_RES *r = mysql_store_result(db->conn);
        if (r) mysql_free_result(r);
        int more = mysql_next_result(db->conn);
        if (more == -1) break;
        if (more > 0) { snprintf(err, errlen, "%s", mysql_error(db->conn)); return DB_ERR; }
    }
    return DB_OK;
}

int db_begin(db_t *db)
{
    if (db->in_tx) return DB_OK;
    int rc = connect_now(db);
    if (rc) return rc;
    if (mysql_query(db->conn, "START TRANSACTION") != 0) {
        unsigned e = mysql_errno(db->conn);
        if (is_gone(e)) {                       /* reconnect once: nothing is lost yet */
            disconnect(db);
            if ((rc = connect_now(db)) != DB_OK) return rc;
            if (mysql_query(db->conn, "START TRANSACTION") == 0) { db->in_tx = 1; return DB_OK; }
            e = mysql_errno(db->conn);
        }
        return classify(db, e, mysql_error(db->conn), "START TRANSACTION");
    }
    db->in_tx = 1;
    return DB_OK;
}

int db_commit(db_t *db)
{
    if (!db->in_tx) return DB_OK;
    db->in_tx = 0;
    if (mysql_commit(db->conn) != 0) {
        int rc = classify(db, mysql_errno(db->conn), mysql_error(db->conn), "COMMIT");
        if (rc == DB_ERR_GONE) disconnect(db);
        return rc;
    }
    return DB_OK;
}

void db_rollback(db_t *db)
{
    if (!db->in_tx) return;
    db->in_tx = 0;
    if (db->conn && mysql_rollback(db->conn) != 0) disconnect(db);
}

int64_t db_cell_int(const db_res_t *r, int row, int col)
{
    const char *v = db_cell(r, row, col);
    return v ? strtoll(v, NULL, 10) : 0;
}

int db_run_tx(db_t *db, int attempts, int (*fn)(db_t *db, void *ctx), void *ctx)
{
    if (db_in_tx(db)) return fn(db, ctx);
    int rc = DB_ERR;
    for (int attempt = 0; attempt < attempts; attempt++) {
        if ((rc = db_begin(db)) != DB_OK) return rc;
        rc = fn(db, ctx);
        if (rc == DB_OK) rc = db_commit(db);
        if (rc == DB_OK) return DB_OK;
        db_rollback(db);
        if (rc != DB_ERR_RETRY) return rc;
    }
    return rc;
}

const char *db_like_pattern(arena_t *a, const char *text, int contains)
{
    char *out = arena_alloc(a, strlen(text) * 2 + 3), *o = out;
    if (!out) return NULL;
    if (contains) *o++ = '%';
    for (const char *p = text; *p; p++) {
        if (*p == '!' || *p == '%' || *p == '_') *o++ = '!';
        *o++ = *p;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}
