/* Due work for later (sql/migrations/0008): a module schedules a job in
 * the transaction of its event ("remind the recipient in 24 h"), may
 * cancel it, and notifyd runs the jobs whose time has come, each once, in
 * its own transaction with the row locked.  The storage and mailroom
 * reminders are jobs of kind "notice". */
#ifndef SR_SCHEDULE_H
#define SR_SCHEDULE_H
#include <stdint.h>
#include "db.h"
#include "retry.h"

/* Idempotent by job_key: 1 when the key was scheduled before (nothing
 * changed), DB_OK when new, or a db_status.  run_at is UTC
 * "YYYY-MM-DD HH:MM:SS"; payload a JSON object (NULL = {}). */
int schedule_put(db_t *db, int64_t site_id, const char *job_key, const char *kind, const char *payload,
                 const char *run_at);
/* A pending job is cancelled (1 when there was none pending). */
int schedule_cancel(db_t *db, const char *job_key);

/* A handler runs inside the job's transaction; non-zero fails the job
 * (retried later with back-off, failed after the last attempt) with err. */
typedef int (*schedule_fn)(db_t *db, void *ctx, int64_t site_id, const char *payload, char *err, size_t errlen);
typedef struct schedule_handler { const char *kind; schedule_fn fn; } schedule_handler_t;

/* Runs up to max jobs whose run_at has come; *ran counts them. */
int schedule_run_due(db_t *db, const schedule_handler_t *handlers, void *ctx, int max, int *ran);

/* The handler table ends with a { NULL, NULL } entry.  A job whose kind
 * has no handler fails its attempt ("no handler") like a handler that
 * failed.  schedule_run_due retries a failed job after
 * retry_backoff_ms(attempt, 30 s, 1 h) and fails it for good at the 5th
 * attempt; schedule_run_due_with takes the policy from the caller.  A
 * handler that returns DB_ERR_RETRY or DB_ERR_GONE (the database failed,
 * not the job) has the whole transaction rolled back and the attempt not
 * counted; the run stops on DB_ERR_GONE. */
int schedule_run_due_with(db_t *db, const schedule_handler_t *handlers, void *ctx, const retry_policy_t *policy,
                          int max, int *ran);

#endif
