/* The notification outbox (sql/migrations/0008): messages are put in the
 * transaction of the event that causes them, already rendered, and
 * notifyd delivers them.  A message is never sent twice: notifyd claims a
 * row ('sending', committed) before handing it to a channel and marks it
 * afterwards; a row found 'sending' at start-up was caught by a crash and
 * becomes 'unknown', which only an operator may send again. */
#ifndef SR_OUTBOX_H
#define SR_OUTBOX_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"

typedef struct outbox_msg {
    int64_t site_id, customer_id;   /* 0 = none */
    const char *dedupe_key;         /* required, <= 160 bytes: the same event put twice is one message */
    const char *kind;               /* due_soon, overdue, suspended, receipt, alert, ... */
    int essential;
    const char *channel;            /* sms, email, slack, teams */
    const char *recipient;          /* phone, e-mail address, or the webhook's name in the config */
    const char *language;           /* NULL = "en" */
    const char *subject;            /* e-mail subject; may be NULL */
    const char *body_text;          /* required */
    const char *body_html;          /* e-mail HTML part; NULL = text only */
    int max_attempts;               /* 0 = 8 */
    const char *not_before;         /* UTC "YYYY-MM-DD HH:MM:SS"; NULL = now */
} outbox_msg_t;

/* Puts a message in the caller's transaction (or on its own).  Returns
 * DB_OK with *id the new row, 1 when the dedupe key was put before (*id
 * that row), or a db_status; DB_ERR for a message that is not valid. */
int outbox_put(db_t *db, const outbox_msg_t *m, int64_t *id);

/* ---------- checks (pure) ---------- */

#define OUTBOX_KEY_MAX 160

/* 0 when m may be put, else -1 with the reason in err ("recipient: not a
 * phone number").  Lengths are those of the columns; a subject may hold
 * no control character (it becomes a mail header). */
int outbox_check(const outbox_msg_t *m, char *err, size_t errlen);
/* 1 when recipient suits channel: sms a phone number (see below), email
 * an address (lib/validate), slack and teams the name of a webhook in the
 * config (letters, digits, '_' and '-', up to 64). */
int outbox_recipient_ok(const char *channel, const char *recipient);
/* A phone number as stored and sent: spaces, dashes, dots and
 * parentheses taken out, leaving an optional '+' and 7-15 digits.
 * outbox_put stores SMS recipients this way.  0, or -1 when what is left
 * is not that (out then ""). */
int outbox_phone_normalize(const char *in, char *out, size_t outlen);

/* ---------- delivery (notifyd) ----------
 *
 * A worker (notifyd, named by Notify.Worker) claims due rows, hands each
 * to its channel and records what became of it.  Rows a worker holds are
 * 'sending' with claimed_by = its name, so a second notifyd never takes
 * them, and a worker that starts again knows which ones it left behind. */

/* A claimed message; strings live in the arena given to outbox_claim. */
typedef struct outbox_row {
    int64_t id, site_id;            /* site 0 = none */
    const char *channel, *recipient, *language, *subject, *body_text, *body_html;   /* html may be NULL */
    int attempts, max_attempts;     /* attempts before this one */
} outbox_row_t;

/* Claims up to max pending rows whose next_attempt_at has come, oldest
 * due first, and commits before returning (DB_ERR inside a transaction):
 * they are 'sending' under worker when the caller gets them.  Rows another claim holds locked are
 * skipped (SKIP LOCKED), never waited for.  *rows is in a. */
int outbox_claim(db_t *db, arena_t *a, const char *worker, int max, outbox_row_t **rows, int *n);

enum outbox_outcome {
    OUTBOX_SENT,        /* the channel accepted it */
    OUTBOX_RETRY,       /* surely not delivered, may work later: pending after a back-off, failed after the last attempt */
    OUTBOX_FAILED,      /* refused for good: failed at once */
    OUTBOX_UNKNOWN,     /* may have been delivered: 'unknown', never tried again by itself */
};

typedef struct outbox_result {
    int64_t id;
    int outcome;                    /* enum outbox_outcome */
    int attempts, max_attempts;     /* as claimed */
    const char *provider_ref;       /* sent: the channel's id for it (NULL = none) */
    const char *error;              /* otherwise: why, for last_error */
} outbox_result_t;

/* Pure: the state a result leaves its row in: "sent", "pending",
 * "failed" or "unknown". */
const char *outbox_next_state(const outbox_result_t *r);

/* Records results of rows worker claimed, all in one transaction.  A
 * retry waits retry_backoff_ms(attempt, base_ms, cap_ms).  A row that is
 * no longer 'sending' under worker is left alone and logged.  Texts are
 * cut to their columns. */
int outbox_finish(db_t *db, const char *worker, const outbox_result_t *res, int n, long base_ms, long cap_ms);

/* At start-up, before claiming: rows worker left 'sending' when it last
 * stopped become 'unknown' (they may have gone out).  *n counts them. */
int outbox_recover(db_t *db, const char *worker, long *n);
/* Rows worker claimed but never handed to a channel go back to pending.
 * Only for a worker with nothing in hand and nothing left to record:
 * when a claim's commit was lost with the connection, its rows may be
 * 'sending' under worker without the worker knowing them. */
int outbox_release(db_t *db, const char *worker, long *n);

/* ---------- the operator ---------- */

/* A failed or unknown message is sent again: pending now, attempts from
 * zero.  Never a sent, pending or cancelled one.  Audited (outbox.resend)
 * with the state it had and reason (may be NULL).  DB_OK, 1 when there
 * is no such message or it is in another state, or a db_status. */
int outbox_resend(db_t *db, const audit_actor_t *who, int64_t id, const char *reason);
/* A message not sent yet (pending, failed or unknown) is cancelled and
 * never sent.  Audited (outbox.cancel).  Returns as outbox_resend. */
int outbox_cancel(db_t *db, const audit_actor_t *who, int64_t id, const char *reason);

#endif
