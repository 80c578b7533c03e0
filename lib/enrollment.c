#include "enrollment.h"
#include "contract.h"
#include "validate.h"
#include "utf8.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- checks (pure) ---------- */

static int add(inv_error_t *errs, int n, int max, const char *field, const char *code)
{
    for (int i = 0; i < n; i++) if (!strcmp(errs[i].field, field)) return n;   /* one message a field */
    if (n < max) errs[n] = (inv_error_t){ .field = field, .code = code };
    return n < max ? n + 1 : n;
}

static int empty(const char *s) { return !s || !*s; }
static int longer(const char *s, size_t max) { return s && utf8_chars(s) > max; }

static int check_personal(const enrollment_t *e, const char *today, inv_error_t *errs, int n, int max)
{
    const customer_t *c = &e->c;
    if (empty(c->full_name)) n = add(errs, n, max, "full_name", "required");
    else if (longer(c->full_name, 160) || !validate_person_name(c->full_name)) n = add(errs, n, max, "full_name", "name_invalid");
    if (empty(c->date_of_birth)) n = add(errs, n, max, "date_of_birth", "required");
    else if (!validate_date(c->date_of_birth)) n = add(errs, n, max, "date_of_birth", "date_invalid");
    if (empty(c->doc_type)) n = add(errs, n, max, "doc_type", "required");
    else if (!validate_doc_type(c->doc_type)) n = add(errs, n, max, "doc_type", "doc_type_invalid");
    if (empty(c->doc_number)) n = add(errs, n, max, "doc_number", "required");
    else if (longer(c->doc_number, 32) || (validate_doc_type(c->doc_type) && !validate_doc_number(c->doc_type, c->doc_number)))
        n = add(errs, n, max, "doc_number", "doc_invalid");
    if (empty(c->doc_expiry)) n = add(errs, n, max, "doc_expiry", "required");
    else if (!validate_date(c->doc_expiry)) n = add(errs, n, max, "doc_expiry", "date_invalid");
    if (longer(c->address, 255)) n = add(errs, n, max, "address", "too_long");
    if (!empty(c->phone) && (longer(c->phone, 32) || !validate_phone(c->phone))) n = add(errs, n, max, "phone", "phone_invalid");
    if (!empty(c->email) && (longer(c->email, 190) || !validate_email(c->email))) n = add(errs, n, max, "email", "email_invalid");
    if (empty(c->phone) && empty(c->email)) n = add(errs, n, max, "phone", "contact_required");
    if (!empty(c->nominee_name) && (longer(c->nominee_name, 160) || !validate_person_name(c->nominee_name)))
        n = add(errs, n, max, "nominee_name", "name_invalid");
    if (longer(c->nominee_relation, 64)) n = add(errs, n, max, "nominee_relation", "too_long");
    if (!empty(c->nominee_phone) && (longer(c->nominee_phone, 32) || !validate_phone(c->nominee_phone)))
        n = add(errs, n, max, "nominee_phone", "phone_invalid");
    if (n == 0) {
        /* The shared rules (age, document still valid, ...) have the last word. */
        inv_error_t err = { 0 };
        if (customer_validate(c, today, &err) != 0) {
            /* The tablet calls the payment preference "period". */
            const char *f = !err.field ? "full_name" : !strcmp(err.field, "payment_preference") ? "period" : err.field;
            n = add(errs, n, max, f, err.code ? err.code : "invalid");
        }
    }
    return n;
}

static int check_plan(const enrollment_t *e, inv_error_t *errs, int n, int max)
{
    if (empty(e->size_class)) n = add(errs, n, max, "size_class", "required");
    else if (!inv_valid_size(e->size_class)) n = add(errs, n, max, "size_class", "bad_size");
    const char *p = e->c.payment_preference;
    if (empty(p)) n = add(errs, n, max, "period", "required");
    else if (strcmp(p, "monthly") != 0 && strcmp(p, "yearly") != 0) n = add(errs, n, max, "period", "period_invalid");
    if (!e->features || !inv_valid_features(e->features)) n = add(errs, n, max, "features", "bad_features");
    return n;
}

static int check_consents(const enrollment_t *e, inv_error_t *errs, int n, int max)
{
    if (!e->consents[ENROLL_TERMS]) n = add(errs, n, max, "consent_terms", "consent_required");
    if (!e->consents[ENROLL_PRIVACY]) n = add(errs, n, max, "consent_privacy", "consent_required");
    return n;
}

int enrollment_check(const enrollment_t *e, int step, const char *today, inv_error_t *errs, int max)
{
    int n = 0;
    if (step == 1 || step >= ENROLL_STEPS) n = check_personal(e, today, errs, n, max);
    if (step == 2 || step >= ENROLL_STEPS) n = check_plan(e, errs, n, max);
    if (step == 3 || step >= ENROLL_STEPS) n = check_consents(e, errs, n, max);
    return n;
}

const char *enrollment_features(arena_t *a, const char *const *lists, int n)
{
    int want[8] = { 0 };
    for (int i = 0; i < n; i++) {
        const char *p = lists[i];
        while (p && *p) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len) {
                int k = 0, hit = 0;
                for (; inv_features[k]; k++)
                    if (strlen(inv_features[k]) == len && !strncmp(inv_features[k], p, len)) { want[k] = hit = 1; break; }
                if (!hit) return NULL;
            }
            p = end ? end + 1 : NULL;
        }
    }
    const char *out = "";
    for (int k = 0; inv_features[k] && out; k++)
        if (want[k]) out = arena_printf(a, "%s%s%s", out, *out ? "," : "", inv_features[k]);
    return out;
}

/* ---------- changes ---------- */

static char *detail_json(const enrollment_t *e)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "size", e->size_class ? e->size_class : "",
                          "period", e->c.payment_preference ? e->c.payment_preference : "",
                          "features", e->features ? e->features : "");
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

static const char *s_or(const char *s) { return s ? s : ""; }
static const char *consent_value(const enrollment_t *e, int k) { return e->consents[k] ? CUSTOMER_CONSENT_VERSION : ""; }

static int finish(db_t *db, int rc)
{
    if (rc == DB_OK) return db_commit(db);
    db_rollback(db);
    return rc;
}

int enrollment_submit(db_t *db, arena_t *a, const audit_actor_t *device, int64_t tablet_id,
                      const enrollment_t *e, int max_per_hour, int64_t *id)
{
    int rc = DB_ERR;
    for (int attempt = 0; attempt < 3; attempt++) {
        if ((rc = db_begin(db)) != DB_OK) return rc;
        /* The tablet row serialises its own submissions, so the hourly
         * count cannot be overrun by parallel requests. */
        db_res_t *r;
        rc = db_query(db, a, &r, "SELECT id FROM tablets WHERE id = ? AND revoked_at IS NULL FOR UPDATE", "i", tablet_id);
        if (rc == DB_OK && r->nrows != 1) rc = DB_ERR_FK;
        if (rc == DB_OK)
            rc = db_query(db, a, &r, "SELECT COUNT(id) FROM enrollment_requests WHERE tablet_id = ?"
                                     " AND submitted_at > UTC_TIMESTAMP(6) - INTERVAL 1 HOUR", "i", tablet_id);
        if (rc == DB_OK && db_cell_int(r, 0, 0) >= max_per_hour) { db_rollback(db); return ENROLL_LIMIT; }
        if (rc == DB_OK) {
            const customer_t *c = &e->c;
            long n = db_exec(db,
                "INSERT INTO enrollment_requests (site_id, tablet_id, full_name, date_of_birth, doc_type, doc_number,"
                " doc_expiry, address, phone, email, nominee_name, nominee_relation, nominee_phone, language,"
                " payment_preference, size_class, features, consent_terms, consent_privacy, consent_biometric,"
                " consent_marketing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iisssssssssssssssssss", c->site_id, tablet_id, c->full_name, c->date_of_birth, c->doc_type,
                c->doc_number, c->doc_expiry, s_or(c->address), s_or(c->phone), s_or(c->email),
                s_or(c->nominee_name), s_or(c->nominee_relation), s_or(c->nominee_phone), s_or(c->language),
                c->payment_preference, e->size_class, s_or(e->features), consent_value(e, ENROLL_TERMS),
                consent_value(e, ENROLL_PRIVACY), consent_value(e, ENROLL_BIOMETRIC), consent_value(e, ENROLL_MARKETING));
            rc = n < 0 ? (int)n : DB_OK;
        }
        if (rc == DB_OK) {
            *id = db_last_id(db);
            char *detail = detail_json(e);
            rc = audit_write(db, device, "enrollment.submit", "enrollment", *id, e->c.site_id, detail);
            free(detail);
        }
        rc = finish(db, rc);
        if (rc != DB_ERR_RETRY) return rc;
    }
    return rc;
}

#define REQ_COLS \
    "site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry, address, phone, email, nominee_name," \
    " nominee_relation, nominee_phone, language, payment_preference, size_class, features, consent_terms <> '', " \
    " consent_privacy <> '', consent_biometric <> '', consent_marketing <> '', state"

static void from_row(const db_res_t *r, enrollment_t *e, const char **state)
{
    memset(e, 0, sizeof *e);
    customer_t *c = &e->c;
    c->site_id = db_cell_int(r, 0, 0);
    c->full_name = db_cell(r, 0, 1);
    c->date_of_birth = db_cell(r, 0, 2);
    c->doc_type = db_cell(r, 0, 3);
    c->doc_number = db_cell(r, 0, 4);
    c->doc_expiry = db_cell(r, 0, 5);
    c->address = db_cell(r, 0, 6);
    c->phone = db_cell(r, 0, 7);
    c->email = db_cell(r, 0, 8);
    c->nominee_name = db_cell(r, 0, 9);
    c->nominee_relation = db_cell(r, 0, 10);
    c->nominee_phone = db_cell(r, 0, 11);
    c->language = db_cell(r, 0, 12);
    c->payment_preference = db_cell(r, 0, 13);
    c->co_holder_name = "";
    c->notes = "";
    e->size_class = db_cell(r, 0, 14);
    e->features = db_cell(r, 0, 15);
    for (int k = 0; k < ENROLL_NCONSENTS; k++) e->consents[k] = (int)db_cell_int(r, 0, 16 + k);
    if (state) *state = db_cell(r, 0, 20);
}

int enrollment_load(db_t *db, arena_t *a, int64_t id, enrollment_t *e, const char **state)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT " REQ_COLS " FROM enrollment_requests WHERE id = ?", "i", id);
    if (rc) return rc;
    if (r->nrows != 1) return DB_ERR_FK;
    from_row(r, e, state);
    return DB_OK;
}

int64_t enrollment_site(db_t *db, arena_t *a, int64_t id)
{
    db_res_t *r;
    if (db_query(db, a, &r, "SELECT site_id FROM enrollment_requests WHERE id = ?", "i", id) || r->nrows != 1) return 0;
    return db_cell_int(r, 0, 0);
}

/* Opens the transaction and locks a pending request; ENROLL_DECIDED
 * (rolled back) when it is not pending any more. */
static int lock_pending(db_t *db, arena_t *a, int64_t id, enrollment_t *e)
{
    int rc = db_begin(db);
    if (rc) return rc;
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT " REQ_COLS " FROM enrollment_requests WHERE id = ? FOR UPDATE", "i", id);
    if (rc) { db_rollback(db); return rc; }
    if (r->nrows != 1) { db_rollback(db); return DB_ERR_FK; }
    const char *state;
    from_row(r, e, &state);
    if (strcmp(state, "pending") != 0) { db_rollback(db); return ENROLL_DECIDED; }
    return DB_OK;
}

int enrollment_update(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, const enrollment_t *e)
{
    enrollment_t old;
    int rc = lock_pending(db, a, id, &old);
    if (rc) return rc;
    const customer_t *c = &e->c;
    long n = db_exec(db,
        "UPDATE enrollment_requests SET full_name = ?, date_of_birth = ?, doc_type = ?, doc_number = ?, doc_expiry = ?,"
        " address = ?, phone = ?, email = ?, nominee_name = ?, nominee_relation = ?, nominee_phone = ?,"
        " payment_preference = ?, size_class = ?, features = ? WHERE id = ?",
        "ssssssssssssssi", c->full_name, c->date_of_birth, c->doc_type, c->doc_number, c->doc_expiry,
        s_or(c->address), s_or(c->phone), s_or(c->email), s_or(c->nominee_name), s_or(c->nominee_relation),
        s_or(c->nominee_phone), c->payment_preference, e->size_class, s_or(e->features), id);
    rc = n < 0 ? (int)n : DB_OK;
    if (rc == DB_OK) {
        char *detail = detail_json(e);
        rc = audit_write(db, who, "enrollment.update", "enrollment", id, old.c.site_id, detail);
        free(detail);
    }
    return finish(db, rc);
}

int enrollment_reject(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, const char *reason,
                      inv_error_t *err)
{
    const char *p = reason;
    while (p && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    if (!p || !*p) { *err = (inv_error_t){ "reason", "required" }; return ENROLL_INVALID; }
    if (utf8_chars(reason) > 500) { *err = (inv_error_t){ "reason", "too_long" }; return ENROLL_INVALID; }
    enrollment_t e;
    int rc = lock_pending(db, a, id, &e);
    if (rc) return rc;
    long n = db_exec(db,
        "UPDATE enrollment_requests SET state = 'rejected', reject_reason = ?, reviewed_by = NULLIF(?, 0),"
        " reviewed_at = UTC_TIMESTAMP(6) WHERE id = ?", "sii", reason, who->id, id);
    rc = n < 0 ? (int)n : DB_OK;
    if (rc == DB_OK) {
        json_t *j = json_pack("{s:s}", "reason", reason);
        char *detail = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        rc = audit_write(db, who, "enrollment.reject", "enrollment", id, e.c.site_id, detail);
        free(detail);
    }
    return finish(db, rc);
}

static int approve_once(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, int64_t cell_id,
                        int64_t *customer_id, int64_t *contract_id, inv_error_t *err)
{
    enrollment_t e;
    int rc = lock_pending(db, a, id, &e);
    if (rc) return rc;
    /* Everything below joins this transaction (db_in_tx): one failure
     * and nothing of the approval remains. */
    rc = customer_create(db, who, &e.c, "tablet", customer_id, err);
    if (rc != DB_OK) { db_rollback(db); return err->code ? ENROLL_INVALID : rc; }
    for (int k = 0; k < ENROLL_NCONSENTS && rc == DB_OK; k++)
        if (e.consents[k]) rc = customer_consent(db, who, *customer_id, customer_consent_kinds[k], 1, "tablet");
    if (rc != DB_OK) { db_rollback(db); return rc; }
    contract_new_t cn = {
        .site_id = e.c.site_id, .customer_id = *customer_id, .cell_id = cell_id,
        .min_size = e.size_class, .features = e.features, .period = e.c.payment_preference,
        .starts_on = NULL, .idem_key = arena_printf(a, "enroll:%lld", (long long)id),
    };
    rc = contract_create(db, who, &cn, contract_id, err);
    if (rc != DB_OK) { db_rollback(db); return err->code ? ENROLL_INVALID : rc; }
    long n = db_exec(db,
        "UPDATE enrollment_requests SET state = 'approved', reviewed_by = NULLIF(?, 0), reviewed_at = UTC_TIMESTAMP(6),"
        " customer_id = ?, contract_id = ? WHERE id = ?", "iiii", who->id, *customer_id, *contract_id, id);
    rc = n < 0 ? (int)n : DB_OK;
    if (rc == DB_OK) {
        json_t *j = json_pack("{s:I, s:I}", "customer_id", (json_int_t)*customer_id, "contract_id", (json_int_t)*contract_id);
        char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        rc = audit_write(db, who, "enrollment.approve", "enrollment", id, e.c.site_id, detail);
        free(detail);
    }
    return finish(db, rc);
}

int enrollment_approve(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, int64_t cell_id,
                       int64_t *customer_id, int64_t *contract_id, inv_error_t *err)
{
    int rc = DB_ERR;
    for (int attempt = 0; attempt < 3; attempt++) {
        *err = (inv_error_t){ 0 };
        rc = approve_once(db, a, who, id, cell_id, customer_id, contract_id, err);
        if (rc != DB_ERR_RETRY) return rc;
    }
    return rc;
}

void enrollment_render_fields(render_t *r, const enrollment_t *e, const char *prefix)
{
    const customer_t *c = &e->c;
    const char *vals[][2] = {
        { "full_name", c->full_name }, { "date_of_birth", c->date_of_birth }, { "doc_type", c->doc_type },
        { "doc_number", c->doc_number }, { "doc_expiry", c->doc_expiry }, { "address", c->address },
        { "phone", c->phone }, { "email", c->email }, { "nominee_name", c->nominee_name },
        { "nominee_relation", c->nominee_relation }, { "nominee_phone", c->nominee_phone },
        { "period", c->payment_preference }, { "size_class", e->size_class },
        { "features", e->features }, { "language", c->language },
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        render_set(r, vals[i][1] ? vals[i][1] : "", "%s.%s", prefix, vals[i][0]);
}
