/* Vault customers.  Every change runs in one transaction with its audit
 * row: the caller's when one is open (the enrollment approval creates the
 * customer and the contract together), else our own, retried on deadlock.
 * Audit details name the fields that changed, never their values: the
 * audit log is read by more people than the customer file. */
#include "customer.h"
#include "fingerprint.h"
#include "validate.h"
#include "secret.h"
#include "utf8.h"
#include "sitetime.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const customer_consent_kinds[] = { "terms", "privacy", "biometric", "marketing", NULL };

static int fail(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return -1;
}

static int empty(const char *s) { return !s || !*s; }
static int longer(const char *s, size_t max) { return s && utf8_chars(s) > max; }

/* Free text may hold anything printable (and line breaks where asked),
 * but no other control characters: they only ever come from attacks or
 * broken clients, and would corrupt CSV exports and printed forms. */
static int clean_text(const char *s, int allow_newlines)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p < 0x20 && !(allow_newlines && (*p == '\n' || *p == '\r' || *p == '\t'))) || *p == 0x7f) return 0;
    return 1;
}

/* Whole years between two YYYY-MM-DD dates (b after a). */
static int years_between(const char *a, const char *b)
{
    int ya = atoi(a), ma = atoi(a + 5), da = atoi(a + 8);
    int yb = atoi(b), mb = atoi(b + 5), db = atoi(b + 8);
    int y = yb - ya;
    if (mb < ma || (mb == ma && db < da)) y--;
    return y;
}

static int valid_language(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

int customer_validate(const customer_t *c, const char *today, inv_error_t *err)
{
    if (empty(c->full_name)) return fail(err, "full_name", "required");
    if (longer(c->full_name, 160) || !validate_person_name(c->full_name)) return fail(err, "full_name", "name_invalid");
    if (empty(c->date_of_birth)) return fail(err, "date_of_birth", "required");
    if (!validate_date(c->date_of_birth) || strcmp(c->date_of_birth, "1900-01-01") < 0 ||
        (today && strcmp(c->date_of_birth, today) > 0))
        return fail(err, "date_of_birth", "date_invalid");
    if (today && validate_date(today) && years_between(c->date_of_birth, today) < 18)
        return fail(err, "date_of_birth", "too_young");
    if (empty(c->doc_type)) return fail(err, "doc_type", "required");
    if (!validate_doc_type(c->doc_type)) return fail(err, "doc_type", "doc_type_invalid");
    if (empty(c->doc_number)) return fail(err, "doc_number", "required");
    if (longer(c->doc_number, 32) || !validate_doc_number(c->doc_type, c->doc_number))
        return fail(err, "doc_number", "doc_invalid");
    if (empty(c->doc_expiry)) return fail(err, "doc_expiry", "required");
    if (!validate_date(c->doc_expiry)) return fail(err, "doc_expiry", "date_invalid");
    if (today && strcmp(c->doc_expiry, today) < 0) return fail(err, "doc_expiry", "doc_expired");
    if (longer(c->address, 255)) return fail(err, "address", "too_long");
    if (!clean_text(c->address, 0)) return fail(err, "address", "invalid");
    if (!empty(c->phone) && (longer(c->phone, 32) || !validate_phone(c->phone))) return fail(err, "phone", "phone_invalid");
    if (!empty(c->email) && (longer(c->email, 190) || !validate_email(c->email))) return fail(err, "email", "email_invalid");
    if (empty(c->phone) && empty(c->email)) return fail(err, "phone", "contact_required");
    if (!empty(c->nominee_name) && (longer(c->nominee_name, 160) || !validate_person_name(c->nominee_name)))
        return fail(err, "nominee_name", "name_invalid");
    if (longer(c->nominee_relation, 64)) return fail(err, "nominee_relation", "too_long");
    if (!clean_text(c->nominee_relation, 0)) return fail(err, "nominee_relation", "invalid");
    if (!empty(c->nominee_phone) && (longer(c->nominee_phone, 32) || !validate_phone(c->nominee_phone)))
        return fail(err, "nominee_phone", "phone_invalid");
    if (!empty(c->co_holder_name) && (longer(c->co_holder_name, 160) || !validate_person_name(c->co_holder_name)))
        return fail(err, "co_holder_name", "name_invalid");
    if (!empty(c->language) && !valid_language(c->language)) return fail(err, "language", "language_invalid");
    if (!empty(c->payment_preference) && strcmp(c->payment_preference, "monthly") != 0 &&
        strcmp(c->payment_preference, "yearly") != 0)
        return fail(err, "payment_preference", "payment_preference_invalid");
    if (longer(c->notes, 1000)) return fail(err, "notes", "too_long");
    if (!clean_text(c->notes, 1)) return fail(err, "notes", "invalid");
    if (c->notify_given) {
        if (c->notify_sms != 0 && c->notify_sms != 1) return fail(err, "notify_sms", "invalid");
        if (c->notify_email != 0 && c->notify_email != 1) return fail(err, "notify_email", "invalid");
        if (c->notify_optout != 0 && c->notify_optout != 1) return fail(err, "notify_optout", "invalid");
    }
    return 0;
}

/* ---------- transactions ---------- */

/* Runs fn inside the caller's transaction when one is open (the caller
 * commits or rolls back), else in our own, retried on deadlock. */
static int in_tx(db_t *db, int (*fn)(db_t *, void *), void *ctx, inv_error_t *err)
{
    if (err) *err = (inv_error_t){ 0 };
    return db_run_tx(db, 3, fn, ctx);
}

static char *json_text(json_t *j)
{
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

static const char *or_empty(const char *s) { return s ? s : ""; }


/* ---------- create / update ---------- */

struct save_ctx {
    const audit_actor_t *who;
    const customer_t *c;
    const char *source;
    int64_t id;
    inv_error_t *err;
};

static int create_tx(db_t *db, void *p)
{
    struct save_ctx *x = p;
    const customer_t *c = x->c;
    arena_t *a = arena_new(2048);
    if (!a) return DB_ERR;
    char today[11];
    int rc = sitetime_today(db, a, c->site_id, today);
    arena_free(a);
    if (rc == DB_ERR_FK) { fail(x->err, "site_id", "not_found"); return DB_ERR_FK; }
    if (rc) return rc;
    /* The checks again, with the site's date: every path in gets them. */
    if (customer_validate(c, today, x->err) != 0) return DB_ERR;
    int sms = 1, mail = 1, optout = 0;
    if (c->notify_given) { sms = c->notify_sms; mail = c->notify_email; optout = c->notify_optout; }
    long n = db_exec(db,
        "INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry, address, phone,"
        " email, nominee_name, nominee_relation, nominee_phone, co_holder_name, language, payment_preference, notes,"
        " source, created_by, notify_sms, notify_email, notify_optout)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?)",
        "issssssssssssssssiIII", c->site_id, c->full_name, c->date_of_birth, c->doc_type, c->doc_number,
        c->doc_expiry, or_empty(c->address), or_empty(c->phone), or_empty(c->email), or_empty(c->nominee_name),
        or_empty(c->nominee_relation), or_empty(c->nominee_phone), or_empty(c->co_holder_name),
        empty(c->language) ? "en" : c->language, empty(c->payment_preference) ? "monthly" : c->payment_preference,
        or_empty(c->notes), x->source, x->who && x->who->type && !strcmp(x->who->type, "staff") ? x->who->id : 0,
        sms, mail, optout);
    if (n == DB_ERR_DUP) fail(x->err, "doc_number", "doc_taken");
    if (n < 0) return (int)n;
    x->id = db_last_id(db);
    char *detail = json_text(json_pack("{s:s}", "source", x->source));
    rc = audit_write(db, x->who, "customer.create", "customer", x->id, c->site_id, detail);
    free(detail);
    return rc;
}

int customer_create(db_t *db, const audit_actor_t *who, const customer_t *c, const char *source,
                    int64_t *id, inv_error_t *err)
{
    if (!source || (strcmp(source, "staff") != 0 && strcmp(source, "tablet") != 0 && strcmp(source, "api") != 0))
        return fail(err, "source", "invalid"), DB_ERR;
    struct save_ctx x = { .who = who, .c = c, .source = source, .err = err };
    int rc = in_tx(db, create_tx, &x, err);
    if (rc == DB_OK) *id = x.id;
    return rc;
}

/* The editable columns, in customer_t order, for the list of changed fields. */
static const char *const edit_cols[] = {
    "full_name", "date_of_birth", "doc_type", "doc_number", "doc_expiry", "address", "phone", "email",
    "nominee_name", "nominee_relation", "nominee_phone", "co_holder_name", "language", "payment_preference",
    "notes", "notify_sms", "notify_email", "notify_optout", NULL };
#define EDIT_TEXT_COLS 15

static int update_tx(db_t *db, void *p)
{
    struct save_ctx *x = p;
    const customer_t *c = x->c;
    arena_t *a = arena_new(4096);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT site_id, full_name, DATE_FORMAT(date_of_birth, '%Y-%m-%d'), doc_type, doc_number,"
        " DATE_FORMAT(doc_expiry, '%Y-%m-%d'), address, phone, email, nominee_name, nominee_relation, nominee_phone,"
        " co_holder_name, language, payment_preference, notes, notify_sms, notify_email, notify_optout"
        " FROM customers WHERE id = ? FOR UPDATE", "i", x->id);
    if (rc == DB_OK && r->nrows != 1) { fail(x->err, "id", "not_found"); rc = DB_ERR_FK; }
    if (rc) { arena_free(a); return rc; }
    int64_t site = db_cell_int(r, 0, 0);
    char today[11];
    if ((rc = sitetime_today(db, a, site, today)) != DB_OK) { arena_free(a); return rc; }
    if (customer_validate(c, today, x->err) != 0) { arena_free(a); return DB_ERR; }
    const char *now[] = { c->full_name, c->date_of_birth, c->doc_type, c->doc_number, c->doc_expiry,
                          or_empty(c->address), or_empty(c->phone), or_empty(c->email), or_empty(c->nominee_name),
                          or_empty(c->nominee_relation), or_empty(c->nominee_phone), or_empty(c->co_holder_name),
                          empty(c->language) ? "en" : c->language,
                          empty(c->payment_preference) ? "monthly" : c->payment_preference, or_empty(c->notes) };
    int flags[3];
    for (int i = 0; i < 3; i++) flags[i] = (int)db_cell_int(r, 0, EDIT_TEXT_COLS + 1 + i);
    if (c->notify_given) { flags[0] = c->notify_sms; flags[1] = c->notify_email; flags[2] = c->notify_optout; }
    json_t *changed = json_array();
    for (int i = 0; i < EDIT_TEXT_COLS; i++)
        if (strcmp(or_empty(db_cell(r, 0, i + 1)), now[i]) != 0) json_array_append_new(changed, json_string(edit_cols[i]));
    for (int i = 0; i < 3; i++)
        if (db_cell_int(r, 0, EDIT_TEXT_COLS + 1 + i) != flags[i])
            json_array_append_new(changed, json_string(edit_cols[EDIT_TEXT_COLS + i]));
    arena_free(a);
    if (json_array_size(changed) == 0) { json_decref(changed); return DB_OK; }   /* nothing to record */
    long n = db_exec(db,
        "UPDATE customers SET full_name = ?, date_of_birth = ?, doc_type = ?, doc_number = ?, doc_expiry = ?,"
        " address = ?, phone = ?, email = ?, nominee_name = ?, nominee_relation = ?, nominee_phone = ?,"
        " co_holder_name = ?, language = ?, payment_preference = ?, notes = ?, notify_sms = ?, notify_email = ?,"
        " notify_optout = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "sssssssssssssssIIIi", now[0], now[1],
        now[2], now[3], now[4], now[5], now[6], now[7], now[8], now[9], now[10], now[11], now[12], now[13], now[14],
        flags[0], flags[1], flags[2], x->id);
    if (n == DB_ERR_DUP) fail(x->err, "doc_number", "doc_taken");
    if (n < 0) { json_decref(changed); return (int)n; }
    char *detail = json_text(json_pack("{s:o}", "fields", changed));
    rc = audit_write(db, x->who, "customer.update", "customer", x->id, site, detail);
    free(detail);
    return rc;
}

int customer_update(db_t *db, const audit_actor_t *who, int64_t id, const customer_t *c, inv_error_t *err)
{
    struct save_ctx x = { .who = who, .c = c, .id = id, .err = err };
    return in_tx(db, update_tx, &x, err);
}

/* ---------- consents ---------- */

struct consent_ctx {
    const audit_actor_t *who;
    int64_t id;
    const char *kind, *source;
    int granted;
};

static int consent_tx(db_t *db, void *p)
{
    struct consent_ctx *x = p;
    arena_t *a = arena_new(2048);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id FROM customers WHERE id = ? FOR UPDATE", "i", x->id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    if (rc == DB_OK && !site) rc = DB_ERR_FK;
    int active = 0;
    if (rc == DB_OK) {
        rc = db_query(db, a, &r, "SELECT COUNT(*) FROM customer_consents WHERE customer_id = ? AND kind = ?"
                                 " AND withdrawn_at IS NULL AND text_version = ?", "iss", x->id, x->kind,
                      CUSTOMER_CONSENT_VERSION);
        if (rc == DB_OK) active = db_cell_int(r, 0, 0) > 0;
    }
    arena_free(a);
    if (rc) return rc;
    long n;
    if (x->granted) {
        if (active) return DB_OK;   /* already given for this text: nothing changes */
        n = db_exec(db, "INSERT INTO customer_consents (customer_id, kind, text_version, source) VALUES (?, ?, ?, ?)",
                    "isss", x->id, x->kind, CUSTOMER_CONSENT_VERSION, x->source);
    } else {
        n = db_exec(db, "UPDATE customer_consents SET withdrawn_at = UTC_TIMESTAMP(6)"
                        " WHERE customer_id = ? AND kind = ? AND withdrawn_at IS NULL", "is", x->id, x->kind);
        /* No biometric consent, no prints: they go in this transaction
         * (special-category data is never kept "just in case"). */
        if (n >= 0 && !strcmp(x->kind, "biometric") &&
            (rc = fingerprint_delete_all(db, x->who, x->id, "consent_withdrawn")) != DB_OK)
            return rc;
        if (n == 0) return DB_OK;   /* nothing in force to withdraw */
    }
    if (n < 0) return (int)n;
    char *detail = json_text(json_pack("{s:s, s:b, s:s, s:s}", "kind", x->kind, "granted", x->granted,
                                       "version", CUSTOMER_CONSENT_VERSION, "source", x->source));
    rc = audit_write(db, x->who, x->granted ? "customer.consent" : "customer.consent_withdraw", "customer", x->id,
                     site, detail);
    free(detail);
    return rc;
}

int customer_consent(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *kind,
                     int granted, const char *source)
{
    int known = 0;
    for (int i = 0; kind && customer_consent_kinds[i]; i++) if (!strcmp(kind, customer_consent_kinds[i])) known = 1;
    if (!known || !source || (strcmp(source, "staff") != 0 && strcmp(source, "tablet") != 0 && strcmp(source, "api") != 0))
        return DB_ERR;
    struct consent_ctx x = { .who = who, .id = customer_id, .kind = kind, .source = source, .granted = granted != 0 };
    return in_tx(db, consent_tx, &x, NULL);
}

/* ---------- photo ---------- */

/* The type told by the first bytes, never by the name or the client. */
static const char *photo_type(const unsigned char *b, size_t len, const char **ext)
{
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) { *ext = "jpg"; return "image/jpeg"; }
    if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) { *ext = "png"; return "image/png"; }
    if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) { *ext = "webp"; return "image/webp"; }
    return NULL;
}

static int mkdir_p(const char *path)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* Writes the bytes under a temporary name and renames them into place, so
 * a reader never sees half a file. */
static int write_atomic(const char *dir, const char *name, const void *bytes, size_t len)
{
    char tmp[1100], final[1100];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    const char *p = bytes;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); unlink(tmp); return -1; }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, final) != 0) { unlink(tmp); return -1; }
    return 0;
}

struct photo_ctx {
    const audit_actor_t *who;
    int64_t id;
    const char *file, *type;
    size_t len;
    char old[96];
};

static int photo_tx(db_t *db, void *p)
{
    struct photo_ctx *x = p;
    arena_t *a = arena_new(2048);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id, photo_file FROM customers WHERE id = ? FOR UPDATE", "i", x->id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    if (rc == DB_OK && !site) rc = DB_ERR_FK;
    if (rc == DB_OK) snprintf(x->old, sizeof x->old, "%s", or_empty(db_cell(r, 0, 1)));
    arena_free(a);
    if (rc) return rc;
    long n = db_exec(db, "UPDATE customers SET photo_file = ?, photo_type = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
                     "ssi", x->file, x->type, x->id);
    if (n < 0) return (int)n;
    char *detail = json_text(json_pack("{s:s, s:I}", "type", x->type, "bytes", (json_int_t)x->len));
    rc = audit_write(db, x->who, "customer.photo", "customer", x->id, site, detail);
    free(detail);
    return rc;
}

int customer_set_photo(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *uploads_dir,
                       const void *bytes, size_t len, size_t max_bytes, inv_error_t *err)
{
    if (!bytes || len == 0) return fail(err, "photo", "required"), DB_ERR;
    if (len > max_bytes) return fail(err, "photo", "photo_too_large"), DB_ERR;
    const char *ext;
    const char *type = photo_type(bytes, len, &ext);
    if (!type) return fail(err, "photo", "photo_type_invalid"), DB_ERR;
    char dir[1024];
    if (!uploads_dir || !*uploads_dir || snprintf(dir, sizeof dir, "%s/photos", uploads_dir) >= (int)sizeof dir)
        return DB_ERR;
    if (mkdir_p(dir) != 0) { log_error("customer photo: cannot create %s: %s", dir, strerror(errno)); return DB_ERR; }
    /* A random name: nothing about the customer can be read from it, and
     * it cannot be guessed to fetch someone else's photo. */
    char token[40], name[64];
    secret_token(token, sizeof token, 18);
    snprintf(name, sizeof name, "%s.%s", token, ext);
    if (write_atomic(dir, name, bytes, len) != 0) {
        log_error("customer photo: cannot write into %s: %s", dir, strerror(errno));
        return DB_ERR;
    }
    int caller_tx = db_in_tx(db);
    struct photo_ctx x = { .who = who, .id = customer_id, .file = name, .type = type, .len = len };
    int rc = in_tx(db, photo_tx, &x, err);
    char path[1200];
    if (rc != DB_OK) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
        return rc;
    }
    /* The old file goes only once the new name is committed; inside a
     * caller's transaction we cannot know that, so it stays. */
    if (!caller_tx && x.old[0] && !strchr(x.old, '/')) {
        snprintf(path, sizeof path, "%s/%s", dir, x.old);
        unlink(path);
    }
    return DB_OK;
}

int64_t customer_site(db_t *db, arena_t *a, int64_t customer_id)
{
    db_res_t *r;
    if (db_query(db, a, &r, "SELECT site_id FROM customers WHERE id = ?", "i", customer_id) != DB_OK || r->nrows != 1)
        return 0;
    return db_cell_int(r, 0, 0);
}
