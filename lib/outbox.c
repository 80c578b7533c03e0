#include "outbox.h"
#include "log.h"
#include "retry.h"
#include "utf8.h"
#include "validate.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column sizes of sql/migrations/0008 (characters, as VARCHAR counts them;
 * TEXT and MEDIUMTEXT count bytes). */
#define KIND_MAX       40
#define RECIPIENT_MAX  255
#define LANGUAGE_MAX   8
#define SUBJECT_MAX    255
#define TEXT_MAX       65535L
#define HTML_MAX       16777215L
#define ERROR_MAX      500
#define REF_MAX        190
#define ATTEMPTS_MAX   100
#define PHONE_MIN_DIGITS 7
#define PHONE_MAX_DIGITS 15

/* ---------- checks (pure) ---------- */

/* Valid UTF-8 of at most max characters with no control character but,
 * when lines is set, tab and line breaks. */
static int text_ok(const char *s, size_t max, int lines)
{
    size_t len = strlen(s);
    if (!utf8_valid(s, len) || utf8_chars(s) > max) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f) continue;
        if (!lines || (*p != '\t' && *p != '\n' && *p != '\r')) return 0;
    }
    return 1;
}

static int word_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p))) return 0;
    return 1;
}

int outbox_phone_normalize(const char *in, char *out, size_t outlen)
{
    size_t n = 0, digits = 0;
    if (!out || outlen == 0) return -1;
    out[0] = '\0';
    if (!in) return -1;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')') continue;
        int plus_first = *p == '+' && n == 0;
        if (!plus_first && (*p < '0' || *p > '9')) { out[0] = '\0'; return -1; }
        if (!plus_first) digits++;
        if (n + 1 >= outlen) { out[0] = '\0'; return -1; }
        out[n++] = *p;
    }
    out[n] = '\0';
    if (digits < PHONE_MIN_DIGITS || digits > PHONE_MAX_DIGITS) { out[0] = '\0'; return -1; }
    return 0;
}

int outbox_recipient_ok(const char *channel, const char *recipient)
{
    if (!channel || !recipient || !*recipient || strlen(recipient) > RECIPIENT_MAX) return 0;
    if (!strcmp(channel, "sms")) {
        char phone[32];
        return outbox_phone_normalize(recipient, phone, sizeof phone) == 0;
    }
    if (!strcmp(channel, "email")) return validate_email(recipient);
    if (!strcmp(channel, "slack") || !strcmp(channel, "teams")) {
        if (strlen(recipient) > 64) return 0;
        for (const char *p = recipient; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                  *p == '_' || *p == '-')) return 0;
        return 1;
    }
    return 0;
}

static int refuse(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* "YYYY-MM-DD HH:MM:SS" in shape; MariaDB (strict mode) refuses a date
 * that does not exist. */
static int utc_time_ok(const char *s)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    if (strlen(s) != sizeof shape - 1) return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return 0;
    return 1;
}

int outbox_check(const outbox_msg_t *m, char *err, size_t errlen)
{
    if (!m) return refuse(err, errlen, "no message");
    if (!m->dedupe_key || !*m->dedupe_key) return refuse(err, errlen, "dedupe_key: required");
    if (strlen(m->dedupe_key) > OUTBOX_KEY_MAX || !text_ok(m->dedupe_key, OUTBOX_KEY_MAX, 0))
        return refuse(err, errlen, "dedupe_key: over 160 bytes or not printable UTF-8");
    if (!m->kind || !word_ok(m->kind, KIND_MAX, "_.-"))
        return refuse(err, errlen, "kind: 1-40 of a-z, 0-9, '_', '.', '-'");
    if (!m->channel || (strcmp(m->channel, "sms") != 0 && strcmp(m->channel, "email") != 0 &&
                        strcmp(m->channel, "slack") != 0 && strcmp(m->channel, "teams") != 0))
        return refuse(err, errlen, "channel: not sms, email, slack or teams");
    if (!outbox_recipient_ok(m->channel, m->recipient)) {
        snprintf(err, errlen, "recipient: not %s", !strcmp(m->channel, "sms") ? "a phone number"
                 : !strcmp(m->channel, "email") ? "an e-mail address" : "a webhook name");
        return -1;
    }
    if (m->language && !word_ok(m->language, LANGUAGE_MAX, "-"))
        return refuse(err, errlen, "language: 1-8 of a-z, 0-9, '-'");
    if (m->subject && !text_ok(m->subject, SUBJECT_MAX, 0))
        return refuse(err, errlen, "subject: over 255 characters, not UTF-8, or a control character in it");
    if (!m->body_text || !*m->body_text) return refuse(err, errlen, "body_text: required");
    if (strlen(m->body_text) > TEXT_MAX || !text_ok(m->body_text, (size_t)TEXT_MAX, 1))
        return refuse(err, errlen, "body_text: over 65,535 bytes, not UTF-8, or a control character in it");
    if (m->body_html && (strlen(m->body_html) > HTML_MAX || !text_ok(m->body_html, (size_t)HTML_MAX, 1)))
        return refuse(err, errlen, "body_html: too long, not UTF-8, or a control character in it");
    if (m->max_attempts < 0 || m->max_attempts > ATTEMPTS_MAX) return refuse(err, errlen, "max_attempts: 0-100");
    if (m->not_before && !utc_time_ok(m->not_before))
        return refuse(err, errlen, "not_before: not \"YYYY-MM-DD HH:MM:SS\"");
    if (m->site_id < 0 || m->customer_id < 0) return refuse(err, errlen, "site_id, customer_id: negative");
    return 0;
}

/* ---------- putting ---------- */

int outbox_put(db_t *db, const outbox_msg_t *m, int64_t *id)
{
    char err[160];
    if (outbox_check(m, err, sizeof err) != 0) {
        log_warn("outbox: a %s message was refused: %s", m && m->kind ? m->kind : "?", err);
        return DB_ERR;
    }
    char phone[32];
    const char *to = m->recipient;
    if (!strcmp(m->channel, "sms")) {
        outbox_phone_normalize(m->recipient, phone, sizeof phone);
        to = phone;
    }
    long n = db_exec(db,
        "INSERT INTO outbox (site_id, customer_id, dedupe_key, kind, essential, channel, recipient, language,"
        " subject, body_text, body_html, max_attempts, next_attempt_at)"
        " VALUES (NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, IFNULL(?, UTC_TIMESTAMP(6)))",
        "iissIssssssIs", m->site_id, m->customer_id, m->dedupe_key, m->kind, m->essential ? 1 : 0, m->channel, to,
        m->language ? m->language : "en", m->subject ? m->subject : "", m->body_text, m->body_html,
        m->max_attempts ? m->max_attempts : 8, m->not_before);
    if (n >= 0) {
        if (id) *id = db_last_id(db);
        return DB_OK;
    }
    if (n != DB_ERR_DUP) return (int)n;
    /* Put before.  A locking read sees the latest committed row even
     * inside a caller's transaction whose snapshot is older. */
    arena_t *a = arena_new(512);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT id FROM outbox WHERE dedupe_key = ? LOCK IN SHARE MODE", "s", m->dedupe_key);
    if (rc == DB_OK && r->nrows == 0) rc = DB_ERR;
    if (rc == DB_OK && id) *id = db_cell_int(r, 0, 0);
    arena_free(a);
    return rc == DB_OK ? 1 : rc;
}

/* ---------- claiming ---------- */

struct claim {
    arena_t *a;
    const char *worker;
    int max, n;
    outbox_row_t *rows;
};

static int claim_tx(db_t *db, void *ctx)
{
    struct claim *c = ctx;
    db_res_t *r;
    c->n = 0;
    int rc = db_query(db, c->a, &r,
        "SELECT id, IFNULL(site_id, 0), channel, recipient, language, subject, body_text, body_html,"
        " attempts, max_attempts FROM outbox"
        " WHERE state = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(6)"
        " ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED", "I", c->max);
    if (rc != DB_OK || r->nrows == 0) return rc;
    /* The ids as a JSON array, for one UPDATE of the whole batch; the
     * join starts from the list, so only these rows are touched (and
     * locked), by primary key. */
    size_t cap = (size_t)r->nrows * 21 + 3, len = 0;
    char *ids = arena_alloc(c->a, cap);
    c->rows = arena_alloc(c->a, sizeof *c->rows * (size_t)r->nrows);
    if (!ids || !c->rows) return DB_ERR;
    ids[len++] = '[';
    for (int i = 0; i < r->nrows; i++)
        len += (size_t)snprintf(ids + len, cap - len, "%s%s", i ? "," : "", db_cell(r, i, 0));
    snprintf(ids + len, cap - len, "]");
    long n = db_exec(db,
        "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j STRAIGHT_JOIN outbox o ON o.id = j.id"
        " SET o.state = 'sending', o.claimed_by = ?, o.claimed_at = UTC_TIMESTAMP(6), o.updated_at = UTC_TIMESTAMP(6)",
        "ss", ids, c->worker);
    if (n < 0) return (int)n;
    if (n != r->nrows) return DB_ERR;
    for (int i = 0; i < r->nrows; i++) {
        outbox_row_t *o = &c->rows[i];
        o->id = db_cell_int(r, i, 0);
        o->site_id = db_cell_int(r, i, 1);
        o->channel = db_cell(r, i, 2);
        o->recipient = db_cell(r, i, 3);
        o->language = db_cell(r, i, 4);
        o->subject = db_cell(r, i, 5);
        o->body_text = db_cell(r, i, 6);
        o->body_html = db_cell(r, i, 7);
        o->attempts = (int)db_cell_int(r, i, 8);
        o->max_attempts = (int)db_cell_int(r, i, 9);
    }
    c->n = r->nrows;
    return DB_OK;
}

int outbox_claim(db_t *db, arena_t *a, const char *worker, int max, outbox_row_t **rows, int *n)
{
    struct claim c = { .a = a, .worker = worker, .max = max };
    *rows = NULL;
    *n = 0;
    /* Inside a caller's transaction the claim would not be committed
     * before the messages are handed over. */
    if (db_in_tx(db)) return DB_ERR;
    if (max <= 0) return DB_OK;
    int rc = db_run_tx(db, 3, claim_tx, &c);
    if (rc != DB_OK) return rc;
    *rows = c.rows;
    *n = c.n;
    return DB_OK;
}

/* ---------- results ---------- */

const char *outbox_next_state(const outbox_result_t *r)
{
    switch (r->outcome) {
    case OUTBOX_SENT: return "sent";
    case OUTBOX_RETRY: return r->attempts + 1 >= r->max_attempts ? "failed" : "pending";
    case OUTBOX_UNKNOWN: return "unknown";
    default: return "failed";
    }
}

/* At most max characters of s as valid UTF-8 without control
 * characters: what goes to the database must fit its column (strict
 * mode refuses the rest) and may come from a gateway's answer. */
static char *clip(arena_t *a, const char *s, size_t max)
{
    size_t len = s ? strlen(s) : 0, n = 0, chars = 0;
    char *out = arena_alloc(a, len + 1);
    if (!out) return NULL;
    for (size_t i = 0; i < len && chars < max; chars++) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (k == 0 || i + k > len || !utf8_valid(s + i, k) || c < 0x20 || c == 0x7f) {
            out[n++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : '?';
            i++;
            continue;
        }
        memcpy(out + n, s + i, k);
        n += k;
        i += k;
    }
    out[n] = '\0';
    return out;
}

struct finish {
    arena_t *a;
    const char *worker;
    const outbox_result_t *res;
    int n;
    long base_ms, cap_ms;
};

static int finish_tx(db_t *db, void *ctx)
{
    struct finish *f = ctx;
    /* Sent rows, the common case, in one statement: [[id, ref], ...],
     * reached by primary key from the list (another worker's 'sending'
     * rows are never locked). */
    json_t *sent = json_array();
    if (!sent) return DB_ERR;
    for (int i = 0; i < f->n; i++) {
        if (f->res[i].outcome != OUTBOX_SENT) continue;
        const char *ref = clip(f->a, f->res[i].provider_ref, REF_MAX);
        if (!ref || json_array_append_new(sent, json_pack("[Is]", (json_int_t)f->res[i].id, ref)) != 0) {
            json_decref(sent);
            return DB_ERR;
        }
    }
    size_t nsent = json_array_size(sent);
    char *text = nsent ? json_dumps(sent, JSON_COMPACT) : NULL;
    json_decref(sent);
    if (nsent && !text) return DB_ERR;
    if (nsent) {
        long n = db_exec(db,
            "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$[0]', ref VARCHAR(190) PATH '$[1]')) j"
            " STRAIGHT_JOIN outbox o ON o.id = j.id"
            " SET o.state = 'sent', o.attempts = o.attempts + 1, o.sent_at = UTC_TIMESTAMP(6),"
            " o.provider_ref = j.ref, o.last_error = '', o.updated_at = UTC_TIMESTAMP(6)"
            " WHERE o.state = 'sending' AND o.claimed_by = ?", "ss", text, f->worker);
        free(text);
        if (n < 0) return (int)n;
        if ((size_t)n != nsent)
            log_warn("outbox: %zu rows sent but only %ld were still 'sending' under %s", nsent, n, f->worker);
    }
    for (int i = 0; i < f->n; i++) {
        const outbox_result_t *r = &f->res[i];
        if (r->outcome == OUTBOX_SENT) continue;
        const char *state = outbox_next_state(r);
        long wait = !strcmp(state, "pending") ? retry_backoff_ms(r->attempts + 1, f->base_ms, f->cap_ms) : 0;
        const char *error = clip(f->a, r->error && *r->error ? r->error : "failed", ERROR_MAX);
        if (!error) return DB_ERR;
        long n = db_exec(db,
            "UPDATE outbox SET state = ?, attempts = attempts + 1,"
            " next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, last_error = ?, updated_at = UTC_TIMESTAMP(6)"
            " WHERE id = ? AND state = 'sending' AND claimed_by = ?",
            "sisis", state, (int64_t)wait * 1000, error, r->id, f->worker);
        if (n < 0) return (int)n;
        if (n == 0) log_warn("outbox: message %lld was no longer 'sending' under %s", (long long)r->id, f->worker);
    }
    return DB_OK;
}

int outbox_finish(db_t *db, const char *worker, const outbox_result_t *res, int n, long base_ms, long cap_ms)
{
    if (n <= 0) return DB_OK;
    struct finish f = { .a = arena_new(4096), .worker = worker, .res = res, .n = n, .base_ms = base_ms, .cap_ms = cap_ms };
    if (!f.a) return DB_ERR;
    int rc = db_run_tx(db, 3, finish_tx, &f);
    arena_free(f.a);
    return rc;
}

int outbox_recover(db_t *db, const char *worker, long *n)
{
    long k = db_exec(db,
        "UPDATE outbox SET state = 'unknown', attempts = attempts + 1, updated_at = UTC_TIMESTAMP(6),"
        " last_error = 'notifyd stopped while sending: it may or may not have gone out, so it is not sent again"
        " unless an operator resends it' WHERE state = 'sending' AND claimed_by = ?", "s", worker);
    if (k < 0) return (int)k;
    if (n) *n = k;
    return DB_OK;
}

int outbox_release(db_t *db, const char *worker, long *n)
{
    long k = db_exec(db,
        "UPDATE outbox SET state = 'pending', claimed_by = '', claimed_at = NULL, updated_at = UTC_TIMESTAMP(6)"
        " WHERE state = 'sending' AND claimed_by = ?", "s", worker);
    if (k < 0) return (int)k;
    if (n) *n = k;
    return DB_OK;
}

/* ---------- the operator ---------- */

struct operate {
    const audit_actor_t *who;
    int64_t id;
    const char *reason;
    int resend;
    int refused;
};

static int operate_tx(db_t *db, void *ctx)
{
    struct operate *o = ctx;
    arena_t *a = arena_new(512);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT state, IFNULL(site_id, 0) FROM outbox WHERE id = ? FOR UPDATE", "i", o->id);
    const char *state = rc == DB_OK && r->nrows ? db_cell(r, 0, 0) : NULL;
    int allowed = state && (!strcmp(state, "failed") || !strcmp(state, "unknown") ||
                            (!o->resend && !strcmp(state, "pending")));
    o->refused = rc == DB_OK && !allowed;
    if (rc != DB_OK || !allowed) { arena_free(a); return rc; }
    long n = o->resend
        ? db_exec(db, "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(6),"
                      " claimed_by = '', claimed_at = NULL, last_error = '', updated_at = UTC_TIMESTAMP(6)"
                      " WHERE id = ?", "i", o->id)
        : db_exec(db, "UPDATE outbox SET state = 'cancelled', updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", o->id);
    if (n < 0) { arena_free(a); return (int)n; }
    json_t *d = json_pack("{s:s}", "from", state);
    if (d && o->reason && *o->reason) json_object_set_new(d, "reason", json_string(o->reason));
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    rc = detail ? audit_write(db, o->who, o->resend ? "outbox.resend" : "outbox.cancel", "outbox", o->id,
                              db_cell_int(r, 0, 1), detail) : DB_ERR;
    free(detail);
    arena_free(a);
    return rc;
}

static int operate(db_t *db, const audit_actor_t *who, int64_t id, const char *reason, int resend)
{
    struct operate o = { .who = who, .id = id, .reason = reason, .resend = resend };
    int rc = db_run_tx(db, 3, operate_tx, &o);
    if (rc != DB_OK) return rc;
    return o.refused ? 1 : DB_OK;
}

int outbox_resend(db_t *db, const audit_actor_t *who, int64_t id, const char *reason)
{
    return operate(db, who, id, reason, 1);
}

int outbox_cancel(db_t *db, const audit_actor_t *who, int64_t id, const char *reason)
{
    return operate(db, who, id, reason, 0);
}
