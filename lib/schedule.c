#include "schedule.h"
#include "log.h"
#include "utf8.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define JOB_KEY_MAX 160
#define KIND_MAX 40
#define PAYLOAD_MAX 2000
#define ERROR_MAX 500

static const retry_policy_t default_policy = { .max_attempts = 5, .base_ms = 30000, .cap_ms = 3600000 };

/* ---------- putting and cancelling ---------- */

static const char *put_problem(const char *job_key, const char *kind, const char *payload, const char *run_at)
{
    if (!job_key || !*job_key || strlen(job_key) > JOB_KEY_MAX || !utf8_valid(job_key, strlen(job_key)))
        return "job_key: 1-160 bytes of UTF-8";
    for (const unsigned char *p = (const unsigned char *)job_key; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return "job_key: a control character";
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n > KIND_MAX) return "kind: 1-40 characters";
    for (const char *p = kind; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
            return "kind: a-z, 0-9, '_', '.', '-'";
    if (!run_at || strlen(run_at) != 19) return "run_at: not \"YYYY-MM-DD HH:MM:SS\"";
    if (strlen(payload) > PAYLOAD_MAX || utf8_chars(payload) > PAYLOAD_MAX) return "payload: over 2,000 characters";
    json_error_t e;
    json_t *j = json_loads(payload, JSON_REJECT_DUPLICATES, &e);
    int object = json_is_object(j);
    json_decref(j);
    return object ? NULL : "payload: not a JSON object";
}

int schedule_put(db_t *db, int64_t site_id, const char *job_key, const char *kind, const char *payload,
                 const char *run_at)
{
    if (!payload) payload = "{}";
    const char *why = put_problem(job_key, kind, payload, run_at);
    if (why) {
        log_warn("schedule: a %s job was refused: %s", kind ? kind : "?", why);
        return DB_ERR;
    }
    long n = db_exec(db, "INSERT INTO scheduled_jobs (site_id, job_key, kind, payload, run_at)"
                         " VALUES (NULLIF(?, 0), ?, ?, ?, ?)", "issss", site_id, job_key, kind, payload, run_at);
    if (n == DB_ERR_DUP) return 1;
    return n < 0 ? (int)n : DB_OK;
}

int schedule_cancel(db_t *db, const char *job_key)
{
    long n = db_exec(db, "UPDATE scheduled_jobs SET state = 'cancelled' WHERE job_key = ? AND state = 'pending'",
                     "s", job_key);
    if (n < 0) return (int)n;
    return n ? DB_OK : 1;
}

/* ---------- running ---------- */

struct job_run {
    const schedule_handler_t *handlers;
    void *ctx;
    const retry_policy_t *policy;
    int found;
};

static schedule_fn handler_of(const schedule_handler_t *h, const char *kind)
{
    for (; h && h->kind; h++)
        if (!strcmp(h->kind, kind)) return h->fn;
    return NULL;
}

/* The error as it fits last_error: valid UTF-8 (cut at a character) of
 * at most 500 characters. */
static void fit_error(char *err)
{
    size_t len = strlen(err);
    while (len && !utf8_valid(err, len)) err[--len] = '\0';
    if (utf8_chars(err) <= ERROR_MAX) return;
    size_t chars = 0, i = 0;
    for (; err[i] && chars < ERROR_MAX; i++)
        if (((unsigned char)err[i] & 0xc0) != 0x80) chars++;
    while (err[i] && ((unsigned char)err[i] & 0xc0) == 0x80) i++;
    err[i] = '\0';
}

static int run_one(db_t *db, void *ctx)
{
    struct job_run *j = ctx;
    arena_t *a = arena_new(4096);
    if (!a) return DB_ERR;
    db_res_t *r;
    j->found = 0;
    int rc = db_query(db, a, &r,
        "SELECT id, IFNULL(site_id, 0), kind, payload, attempts FROM scheduled_jobs"
        " WHERE state = 'pending' AND run_at <= UTC_TIMESTAMP(6)"
        " ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", "");
    if (rc != DB_OK || r->nrows == 0) { arena_free(a); return rc; }
    j->found = 1;
    int64_t id = db_cell_int(r, 0, 0), site = db_cell_int(r, 0, 1);
    const char *kind = db_cell(r, 0, 2);
    int attempt = (int)db_cell_int(r, 0, 4) + 1;
    schedule_fn fn = handler_of(j->handlers, kind);
    char err[ERROR_MAX * 4 + 1] = "";
    /* The handler's writes are undone on failure while the job row stays
     * locked, so no other notifyd runs it before its attempt is recorded. */
    if ((rc = (int)db_exec(db, "SAVEPOINT sr_job", "")) < 0) { arena_free(a); return rc; }
    int hrc = fn ? fn(db, j->ctx, site, db_cell(r, 0, 3), err, sizeof err)
                 : (snprintf(err, sizeof err, "no handler for kind %s in this notifyd", kind), -1);
    if (hrc == DB_ERR_RETRY || hrc == DB_ERR_GONE) { arena_free(a); return hrc; }
    long n;
    if (hrc == 0) {
        n = db_exec(db, "UPDATE scheduled_jobs SET state = 'done', attempts = attempts + 1, done_at = UTC_TIMESTAMP(6),"
                        " last_error = '' WHERE id = ?", "i", id);
    } else {
        if ((rc = (int)db_exec(db, "ROLLBACK TO SAVEPOINT sr_job", "")) < 0) { arena_free(a); return rc; }
        if (!err[0]) snprintf(err, sizeof err, "the %s handler failed (%d)", kind, hrc);
        fit_error(err);
        int final = attempt >= j->policy->max_attempts;
        long wait = retry_backoff_ms(attempt, j->policy->base_ms, j->policy->cap_ms);
        n = db_exec(db, "UPDATE scheduled_jobs SET state = ?, attempts = attempts + 1,"
                        " run_at = IF(? = 'failed', run_at, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND), last_error = ?"
                        " WHERE id = ?", "ssisi", final ? "failed" : "pending", final ? "failed" : "pending",
                        (int64_t)wait * 1000, err, id);
        log_warn("job %lld (%s) attempt %d failed%s: %s", (long long)id, kind, attempt,
                 final ? ", for good" : "", err);
    }
    arena_free(a);
    return n < 0 ? (int)n : DB_OK;
}

int schedule_run_due_with(db_t *db, const schedule_handler_t *handlers, void *ctx, const retry_policy_t *policy,
                          int max, int *ran)
{
    struct job_run j = { .handlers = handlers, .ctx = ctx, .policy = policy ? policy : &default_policy };
    int count = 0, rc = DB_OK;
    for (; count < max; count++) {
        if ((rc = db_run_tx(db, 3, run_one, &j)) != DB_OK || !j.found) break;
    }
    if (ran) *ran = count;
    return rc;
}

int schedule_run_due(db_t *db, const schedule_handler_t *handlers, void *ctx, int max, int *ran)
{
    return schedule_run_due_with(db, handlers, ctx, &default_policy, max, ran);
}
