/* The audit trail: an append-only table where every row carries the hash
 * of the row before it (BLAKE2b-256), so any edit or deletion breaks the
 * chain and `strongroomctl verify` finds it. */
#ifndef SR_AUDIT_H
#define SR_AUDIT_H
#include <stdint.h>
#include <stddef.h>
#include "db.h"

typedef struct audit_actor {
    const char *type;     /* "staff", "api", "system", "device" */
    int64_t id;           /* 0 = none */
    const char *name;
    const char *ip;
} audit_actor_t;

/* The fields that go into a row's hash, as stored (text). */
typedef struct audit_row {
    int64_t id;
    const char *at;           /* "YYYY-MM-DD HH:MM:SS.ffffff" UTC */
    const char *actor_type;
    int64_t actor_id;         /* 0 = NULL */
    const char *actor_name, *ip, *action, *object_type;
    int64_t object_id, site_id;   /* 0 = NULL */
    const char *detail;
    const char *prev_hash;    /* 64 hex */
} audit_row_t;

/* Pure: the hex hash of a row (out: 65 bytes). */
void audit_row_hash(const audit_row_t *row, char out[65]);

/* Appends one row.  Runs inside the caller's transaction when there is
 * one (so the audit row commits or rolls back with the change it
 * describes), else in its own.  detail is JSON text (may be NULL). */
int audit_write(db_t *db, const audit_actor_t *actor, const char *action,
                const char *object_type, int64_t object_id, int64_t site_id,
                const char *detail);

/* What a row says beyond who wrote it and when. */
typedef struct audit_entry {
    const char *action, *object_type;
    int64_t object_id, site_id;   /* 0 = NULL */
    const char *detail;           /* JSON text; NULL = "{}" */
} audit_entry_t;

/* Appends n rows, in one statement, for a caller that already holds the
 * chain head locked in its transaction: next_id and prev_hash are the
 * head's last id + 1 and its hash (the ledger's procedure locks the head
 * and hands both back).  audit_write is this after locking the head. */
int audit_append(db_t *db, int64_t next_id, const char *prev_hash, const audit_actor_t *actor,
                 const audit_entry_t *rows, int n);

typedef struct audit_verify_result {
    int64_t rows;
    int64_t first_bad_id;     /* 0 when the chain is intact */
    char problem[256];
} audit_verify_result_t;

/* Walks the whole chain; returns 0 when intact, 1 when broken, <0 on DB error. */
int audit_verify(db_t *db, audit_verify_result_t *res);

#endif
