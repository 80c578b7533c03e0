/* MariaDB access through Connector/C prepared statements only.
 *
 * Each process keeps one connection and its prepared statements for its
 * whole life.  When the server goes away (restart, network) the next call
 * outside a transaction reconnects, re-prepares and retries once; a call
 * inside a transaction fails with DB_ERR_GONE and the caller reports 503.
 *
 * Parameters are described by a type string, one letter per argument:
 *   i  int64_t        I  int          s  const char * (NULL = SQL NULL)
 *   b  const void *, size_t  (binary)
 * Results come back as text cells in an arena (NULL cell = SQL NULL). */
#ifndef SR_DB_H
#define SR_DB_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "config.h"

typedef struct db db_t;

typedef struct db_res {
    int nrows, ncols;
    const char **names;   /* column names */
    char **cells;         /* nrows * ncols, row-major */
    size_t *lens;
} db_res_t;

enum db_status {
    DB_OK = 0,
    DB_ERR = -1,          /* anything else: logged */
    DB_ERR_GONE = -2,     /* server unreachable */
    DB_ERR_DUP = -3,      /* unique key violated */
    DB_ERR_RETRY = -4,    /* deadlock or lock wait timeout: retry the transaction */
    DB_ERR_FK = -5,       /* foreign key violated */
};

/* account names the DB.Accounts.<account> config entry (User, PasswordFile). */
db_t *db_open(const config_t *cfg, const char *account, char *err, size_t errlen);
void  db_close(db_t *db);
/* The connection's transactions run READ COMMITTED from now on (and after
 * every reconnect): locking reads lock the rows they return and no gaps,
 * for bulk work that reads ranges other writers insert into.  Other
 * connections keep REPEATABLE READ. */
int   db_read_committed(db_t *db);
int   db_ping(db_t *db);                 /* connects if needed; DB_OK or DB_ERR_GONE */

int   db_query(db_t *db, arena_t *a, db_res_t **out, const char *sql, const char *types, ...);
/* Returns affected rows (>= 0) or a negative db_status. */
long  db_exec(db_t *db, const char *sql, const char *types, ...);
/* Runs one statement given as text, without parameters: only for
 * migrations and tooling, never with user input. */
int   db_exec_script(db_t *db, const char *sql, char *err, size_t errlen);
int64_t db_last_id(db_t *db);

/* A LIKE pattern that matches text literally: '!', '%' and '_' in it are
 * escaped with '!', so the SQL must add DB_LIKE_ESCAPE after "LIKE ?".
 * contains: "%text%", else the prefix "text%".  NULL when out of memory. */
#define DB_LIKE_ESCAPE " ESCAPE '!'"
const char *db_like_pattern(arena_t *a, const char *text, int contains);

int   db_begin(db_t *db);
int   db_commit(db_t *db);
void  db_rollback(db_t *db);             /* no-op outside a transaction */
int   db_in_tx(const db_t *db);
/* Runs fn inside the caller's transaction when one is open (the caller
 * then commits or rolls back), else in a transaction of its own that is
 * committed when fn returns DB_OK, rolled back otherwise, and run again
 * (up to attempts times) when it ends in DB_ERR_RETRY.  Returns what fn
 * (or the commit) returned. */
int   db_run_tx(db_t *db, int attempts, int (*fn)(db_t *db, void *ctx), void *ctx);
const char *db_error(const db_t *db);

static inline const char *db_cell(const db_res_t *r, int row, int col)
{
    return (row < r->nrows && col < r->ncols) ? r->cells[row * r->ncols + col] : NULL;
}
int64_t db_cell_int(const db_res_t *r, int row, int col);   /* 0 when NULL */

#endif
