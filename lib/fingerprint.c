#include "fingerprint.h"
#include "fpproto.h"
#include "fptemplate.h"
#include "utf8.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int refuse(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return DB_ERR;
}

/* Audit details are JSON text (NULL when out of memory: the row then says {}). */
static char *json_text(json_t *j)
{
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

/* Runs fn with an arena of its own, in the caller's transaction when one
 * is open, else in one of ours retried on deadlock. */
struct tx {
    int (*fn)(db_t *db, arena_t *a, void *ctx);
    void *ctx;
};

static int tx_body(db_t *db, void *p)
{
    const struct tx *t = p;
    arena_t *a = arena_new(4096);
    if (!a) return DB_ERR;
    int rc = t->fn(db, a, t->ctx);
    arena_free(a);
    return rc;
}

static int in_tx(db_t *db, int (*fn)(db_t *, arena_t *, void *), void *ctx)
{
    struct tx t = { fn, ctx };
    return db_run_tx(db, 3, tx_body, &t);
}

int fingerprint_consent_given(db_t *db, arena_t *a, int64_t customer_id)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT COUNT(*) FROM customer_consents WHERE customer_id = ? AND kind = 'biometric'"
                                 " AND withdrawn_at IS NULL", "i", customer_id);
    if (rc) return rc;
    return db_cell_int(r, 0, 0) > 0;
}

/* ---------- store ---------- */

struct store_ctx {
    const audit_actor_t *who;
    const fingerprint_new_t *f;
    int64_t id;
    inv_error_t *err;
};

static int store_body(db_t *db, arena_t *a, void *p)
{
    struct store_ctx *x = p;
    const fingerprint_new_t *f = x->f;
    db_res_t *r;
    /* The customer's row is locked first, as a consent withdrawal locks it:
     * a print never lands after the consent it needs was withdrawn. */
    int rc = db_query(db, a, &r, "SELECT site_id FROM customers WHERE id = ? FOR UPDATE", "i", f->customer_id);
    if (rc) return rc;
    if (r->nrows != 1 || db_cell_int(r, 0, 0) != f->site_id) return refuse(x->err, "customer", "not_found");
    if ((rc = fingerprint_consent_given(db, a, f->customer_id)) < 0) return rc;
    if (rc == 0) return refuse(x->err, "customer", "no_consent");
    rc = db_query(db, a, &r, "SELECT id FROM fingerprint_templates WHERE customer_id = ? AND finger = ? FOR UPDATE",
                  "is", f->customer_id, f->finger);
    if (rc) return rc;
    int64_t replaced = r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    long n = replaced ? db_exec(db, "DELETE FROM fingerprint_templates WHERE id = ?", "i", replaced) : 0;
    if (n >= 0)
        n = db_exec(db, "INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, device_id, template,"
                        " enrolled_by) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0))", "iisssbi", f->site_id,
                    f->customer_id, f->finger, f->driver, f->device_id, f->box, f->box_len, f->enrolled_by);
    if (n < 0) return (int)n;
    x->id = db_last_id(db);
    json_t *d = json_pack("{s:I, s:s, s:s, s:s}", "template_id", (json_int_t)x->id, "finger", f->finger, "driver",
                          f->driver, "device", f->device_id);
    if (d && replaced) json_object_set_new(d, "replaced", json_integer((json_int_t)replaced));
    char *detail = json_text(d);
    rc = audit_write(db, x->who, "fingerprint.enroll", "customer", f->customer_id, f->site_id, detail);
    free(detail);
    return rc;
}

int fingerprint_store(db_t *db, const audit_actor_t *who, const fingerprint_new_t *f, int64_t *id,
                      inv_error_t *err)
{
    if (err) *err = (inv_error_t){ 0 };
    if (!fpp_finger_index(f->finger)) return refuse(err, "finger", "finger_invalid");
    /* Anything shorter cannot be a sealed print (header, box overhead). */
    if (!f->box || f->box_len < fpt_sealed_len(1) || f->box_len > FINGERPRINT_TEMPLATE_MAX)
        return refuse(err, "template", "template_invalid");
    if (!f->driver || !*f->driver || strlen(f->driver) > 64 || !f->device_id || strlen(f->device_id) > 128)
        return refuse(err, "template", "template_invalid");
    struct store_ctx x = { .who = who, .f = f, .err = err };
    int rc = in_tx(db, store_body, &x);
    if (rc == DB_OK && id) *id = x.id;
    return rc;
}

/* ---------- delete ---------- */

/* A reason is free text for the audit log: printable, line breaks allowed. */
static const char *reason_problem(const char *reason)
{
    if (!reason) return NULL;
    if (!utf8_valid(reason, strlen(reason))) return "invalid";
    if (utf8_chars(reason) > FINGERPRINT_REASON_MAX) return "too_long";
    for (const unsigned char *p = (const unsigned char *)reason; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f) return "invalid";
    return NULL;
}

struct delete_ctx {
    const audit_actor_t *who;
    int64_t customer_id, template_id;
    const char *reason;
    inv_error_t *err;
};

static int delete_one_body(db_t *db, arena_t *a, void *p)
{
    struct delete_ctx *x = p;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT finger, site_id FROM fingerprint_templates WHERE id = ? AND customer_id = ?"
                                 " FOR UPDATE", "ii", x->template_id, x->customer_id);
    if (rc) return rc;
    if (r->nrows != 1) {
        refuse(x->err, "template_id", "not_found");
        return DB_ERR_FK;
    }
    const char *finger = arena_strdup(a, db_cell(r, 0, 0));
    int64_t site = db_cell_int(r, 0, 1);
    long n = db_exec(db, "DELETE FROM fingerprint_templates WHERE id = ?", "i", x->template_id);
    if (n < 0) return (int)n;
    char *detail = json_text(json_pack("{s:I, s:s, s:s}", "template_id", (json_int_t)x->template_id, "finger",
                                       finger ? finger : "", "reason", x->reason ? x->reason : ""));
    rc = audit_write(db, x->who, "fingerprint.delete", "customer", x->customer_id, site, detail);
    free(detail);
    return rc;
}

int fingerprint_delete(db_t *db, const audit_actor_t *who, int64_t customer_id, int64_t template_id,
                       const char *reason, inv_error_t *err)
{
    if (err) *err = (inv_error_t){ 0 };
    const char *bad = reason_problem(reason);
    if (bad) return refuse(err, "reason", bad);
    struct delete_ctx x = { .who = who, .customer_id = customer_id, .template_id = template_id, .reason = reason,
                            .err = err };
    return in_tx(db, delete_one_body, &x);
}

static int delete_all_body(db_t *db, arena_t *a, void *p)
{
    const struct delete_ctx *x = p;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT id, finger, site_id FROM fingerprint_templates WHERE customer_id = ?"
                                 " ORDER BY finger FOR UPDATE", "i", x->customer_id);
    if (rc || r->nrows == 0) return rc;
    long n = db_exec(db, "DELETE FROM fingerprint_templates WHERE customer_id = ?", "i", x->customer_id);
    if (n < 0) return (int)n;
    json_t *ids = json_array(), *fingers = json_array();
    for (int i = 0; i < r->nrows; i++) {
        json_array_append_new(ids, json_integer((json_int_t)db_cell_int(r, i, 0)));
        json_array_append_new(fingers, json_string(db_cell(r, i, 1)));
    }
    char *detail = json_text(json_pack("{s:o, s:o, s:s}", "template_ids", ids, "fingers", fingers, "reason",
                                       x->reason ? x->reason : ""));
    rc = audit_write(db, x->who, "fingerprint.delete", "customer", x->customer_id, db_cell_int(r, 0, 2), detail);
    free(detail);
    return rc;
}

int fingerprint_delete_all(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *reason)
{
    struct delete_ctx x = { .who = who, .customer_id = customer_id, .reason = reason };
    return in_tx(db, delete_all_body, &x);
}

/* ---------- list ---------- */

int fingerprint_list(db_t *db, arena_t *a, int64_t customer_id, fingerprint_row_t **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    db_res_t *r;
    /* Shown in the site's zone; as stored (UTC) when the server does not
     * know the zone, as every page does (lib/sitetime.h). */
    int rc = db_query(db, a, &r,
        "SELECT t.id, t.finger, t.driver, t.device_id,"
        " DATE_FORMAT(COALESCE(CONVERT_TZ(t.enrolled_at, '+00:00', s.time_zone), t.enrolled_at), '%Y-%m-%d %H:%i'),"
        " COALESCE(NULLIF(u.display_name, ''), u.username, '')"
        " FROM fingerprint_templates t JOIN sites s ON s.id = t.site_id LEFT JOIN staff_users u ON u.id = t.enrolled_by"
        " WHERE t.customer_id = ? ORDER BY t.finger", "i", customer_id);
    if (rc) return rc;
    if (r->nrows == 0) return DB_OK;
    fingerprint_row_t *out = arena_alloc(a, sizeof *out * (size_t)r->nrows);
    if (!out) return DB_ERR;
    for (int i = 0; i < r->nrows; i++)
        out[i] = (fingerprint_row_t){ .id = db_cell_int(r, i, 0), .finger = db_cell(r, i, 1),
                                      .driver = db_cell(r, i, 2), .device_id = db_cell(r, i, 3),
                                      .enrolled_at = db_cell(r, i, 4), .enrolled_by = db_cell(r, i, 5) };
    *rows = out;
    *n = r->nrows;
    return DB_OK;
}
