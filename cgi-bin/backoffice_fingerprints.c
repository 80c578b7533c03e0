/* Back office: customers' fingerprints.  The enrollment screen, the
 * enrollment itself (the reader's progress relayed live by
 * backoffice_fplive.c, the sealed template stored by lib/fingerprint),
 * deletion, and the customer page's list.
 *
 * Nothing reaches the reader unless the request is one it should serve: a
 * finger of the ten, a customer of a site the user sees with a biometric
 * consent in force, a site with a reader.  The template fingerd hands back
 * goes straight to the database; it is never shown or sent to a browser. */
#include "backoffice.h"
#include "backoffice_fplive.h"
#include "fingerc.h"
#include "fingerprint.h"
#include "fpproto.h"
#include "log.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ENROLL_PAGE "backoffice/fp_enroll.cs"
#define ENROLL_FRAGMENT "backoffice/fp_enroll_result.cs"

/* The finger offered first: an index finger, then the others (§3 indexes). */
static const int preferred_fingers[FPP_FINGERS] = { 2, 7, 1, 6, 3, 8, 4, 9, 5, 10 };

/* HDF names take no dashes: the language key of a finger ("right_index"). */
static const char *finger_key(arena_t *a, const char *name)
{
    char *k = arena_strdup(a, name ? name : "");
    for (char *p = k; p && *p; p++) if (*p == '-') *p = '_';
    return k ? k : "";
}

/* Fingerprints.N.* (the enrolled ones), Fingers.N.{name,key,enrolled} (the
 * ten for the picker) and Form.finger: chosen when it is a finger, else
 * the first preferred one not enrolled yet. */
static int load_fingers(web_req_t *req, int64_t customer_id, const char *chosen)
{
    render_t *r = page_r(req);
    fingerprint_row_t *rows;
    int n;
    int rc = fingerprint_list(page_db(req), req->arena, customer_id, &rows, &n);
    if (rc) return rc;
    int enrolled[FPP_FINGERS + 1] = { 0 };
    for (int i = 0; i < n; i++) {
        render_set_int(r, rows[i].id, "Fingerprints.%d.id", i);
        render_set(r, rows[i].finger, "Fingerprints.%d.finger", i);
        render_set(r, finger_key(req->arena, rows[i].finger), "Fingerprints.%d.key", i);
        render_set(r, rows[i].driver, "Fingerprints.%d.driver", i);
        render_set(r, rows[i].enrolled_at, "Fingerprints.%d.enrolled_at", i);
        render_set(r, rows[i].enrolled_by, "Fingerprints.%d.enrolled_by", i);
        enrolled[fpp_finger_index(rows[i].finger)] = 1;
    }
    for (int f = 1; f <= FPP_FINGERS; f++) {
        render_set(r, fpp_finger_name(f), "Fingers.%d.name", f - 1);
        render_set(r, finger_key(req->arena, fpp_finger_name(f)), "Fingers.%d.key", f - 1);
        render_set_int(r, enrolled[f], "Fingers.%d.enrolled", f - 1);
    }
    for (int i = 0; i < FPP_FINGERS && !fpp_finger_index(chosen); i++)
        if (!enrolled[preferred_fingers[i]]) chosen = fpp_finger_name(preferred_fingers[i]);
    if (!fpp_finger_index(chosen)) chosen = fpp_finger_name(preferred_fingers[0]);   /* all ten enrolled */
    render_set(r, chosen, "Form.finger");
    return DB_OK;
}

static int load_consent(web_req_t *req, int64_t customer_id)
{
    int given = fingerprint_consent_given(page_db(req), req->arena, customer_id);
    if (given < 0) return given;
    render_set_int(page_r(req), given, "FpConsent");
    return DB_OK;
}

int bo_customer_fingerprints(web_req_t *req, int64_t customer_id)
{
    int rc = load_consent(req, customer_id);
    return rc ? rc : load_fingers(req, customer_id, NULL);
}

int bo_fingerprint_enroll_form(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site;
    int rc = bo_load_customer(req, id, &site);
    if (rc) return rc;
    if ((rc = load_consent(req, id)) != DB_OK || (rc = load_fingers(req, id, web_query(req, "finger"))) != DB_OK)
        return page_db_fail(req, rc);
    bo_fp_reader_state(req, site);
    return page_render(req, ENROLL_PAGE) ? 500 : 0;
}

/* ---------- the enrollment ---------- */

struct enrollment {
    int64_t customer_id, site_id;
    const char *finger;
};

/* fingerd's "enrolled" line, checked against what was asked, its
 * template decoded and stored.  0, or an HTTP status. */
static int store_enrolled(web_req_t *req, const struct enrollment *x, const json_t *final)
{
    const char *event = json_string_value(json_object_get(final, "event"));
    const char *finger = json_string_value(json_object_get(final, "finger"));
    const char *b64 = json_string_value(json_object_get(final, "template"));
    json_int_t customer = json_integer_value(json_object_get(final, "customer"));
    size_t b64_len = b64 ? strlen(b64) : 0, box_max = b64_len / 4 * 3 + 3, box_len = 0;
    uint8_t *box = b64 ? arena_alloc(req->arena, box_max) : NULL;
    /* A print bound to someone else must never land on this customer. */
    if (!event || strcmp(event, "enrolled") != 0 || customer != x->customer_id || !finger ||
        strcmp(finger, x->finger) != 0 || !box ||
        sodium_base642bin(box, box_max, b64, b64_len, NULL, &box_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
        log_warn("fingerd's enrollment answer for customer %lld does not fit the request", (long long)x->customer_id);
        bo_fp_live_outcome(req, 0, "bad_reply");
        return 0;
    }
    const auth_user_t *u = staff_user(req);
    const char *driver = json_string_value(json_object_get(final, "driver"));
    const char *device = json_string_value(json_object_get(final, "device"));
    fingerprint_new_t f = { .site_id = x->site_id, .customer_id = x->customer_id, .finger = x->finger,
                            .driver = driver, .device_id = device ? device : "", .box = box, .box_len = box_len,
                            .enrolled_by = u ? u->id : 0 };
    audit_actor_t who = staff_actor(req);
    inv_error_t err = { 0 };
    int rc = fingerprint_store(page_db(req), &who, &f, NULL, &err);
    sodium_memzero(box, box_len);
    if (rc == DB_OK) {
        render_set(page_r(req), x->finger, "Enrolled.finger");
        render_set(page_r(req), finger_key(req->arena, x->finger), "Enrolled.key");
        return 0;
    }
    if (!err.code) return page_db_fail(req, rc);
    /* The consent was withdrawn, or the customer moved, while the finger
     * was on the reader; a bad template is fingerd's fault. */
    bo_fp_live_outcome(req, 0, !strcmp(err.code, "template_invalid") ? "bad_reply" : err.code);
    web_set_status(req, 422);
    return 0;
}

static int enroll_final(web_req_t *req, int status, const json_t *final, const char *err, void *ctx)
{
    const struct enrollment *x = ctx;
    int rc = status == FINGERC_OK ? store_enrolled(req, x, final) : 0;
    if (rc) return rc;
    /* The page without JavaScript lists the fingers as they now stand. */
    rc = load_fingers(req, x->customer_id, x->finger);
    return rc ? page_db_fail(req, rc) : 0;
}

int bo_fingerprint_enroll(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site;
    int rc = bo_load_customer(req, id, &site);
    if (rc) return rc;
    const char *finger = web_form_trimmed(req, "finger");
    struct enrollment x = { .customer_id = id, .site_id = site, .finger = finger };
    fp_live_t live = { .site_id = site, .on_final = enroll_final, .ctx = &x, .fragment = ENROLL_FRAGMENT,
                       .page = ENROLL_PAGE };
    if ((rc = load_consent(req, id)) != DB_OK) return page_db_fail(req, rc);
    char sock[256];
    const char *refusal = !fpp_finger_index(finger) ? "bad_finger"
                        : !hdf_get_int_value(render_hdf(page_r(req)), "FpConsent", 0) ? "no_consent"
                        : fingerc_reader_socket(req->w->cfg, site, sock, sizeof sock) != 0 ? "no_reader"
                        : NULL;
    if (refusal) {
        if ((rc = load_fingers(req, id, finger)) != DB_OK) return page_db_fail(req, rc);
        return bo_fp_live_refuse(req, &live, refusal, 422);
    }
    json_t *ask = json_pack("{s:s, s:I, s:s}", "op", "enroll", "customer", (json_int_t)id, "finger", finger);
    if (!ask) return web_fail(req, 500, "internal", NULL);
    live.request = ask;
    rc = bo_fp_live(req, &live);
    json_decref(ask);
    return rc;
}

/* ---------- deletion ---------- */

int bo_fingerprint_delete(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), tid = web_param_id(req, 1);
    int rc = bo_load_customer(req, id, NULL);
    if (rc) return rc;
    if (tid <= 0) return web_fail(req, 404, "not_found", NULL);
    audit_actor_t who = staff_actor(req);
    inv_error_t err = { 0 };
    rc = fingerprint_delete(page_db(req), &who, id, tid, web_form_trimmed(req, "reason"), &err);
    if (rc == DB_OK)
        return web_redirect(req, arena_printf(req->arena, "/admin/customers/%lld?done=fingerprint_deleted#fingerprints",
                                              (long long)id));
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (!err.code) return page_db_fail(req, rc);
    /* The customer page again, with the message by the reason. */
    bo_form_error(req, &err);
    return bo_customer_show(req);
}
