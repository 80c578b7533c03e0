/* Back office: a visit verified on the fingerprint reader.
 *
 * Identify: the customer simply places a finger; fingerd finds them among
 * the site's enrolled customers; with one locker to open the visit is
 * recorded at once, with several the clerk picks the locker.  Verify: the
 * clerk picked the contract first; the customer's own prints are checked
 * and the visit recorded on a match.  Either way the visit's proof is
 * fingerd's match id (lib/visit keeps one visit per match) and every
 * attempt is recorded; failed verifies lock the customer out for a while
 * (lib/fpverify).  The live part (progress, prompts) is bo_fp_live's. */
#include "backoffice.h"
#include "backoffice_fplive.h"
#include "fingerc.h"
#include "fpverify.h"
#include "visit.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define CHOICES_MAX 20   /* contracts a matched customer may have at one site */

static render_t *R(web_req_t *req) { return page_r(req); }

static void outcome(web_req_t *req, const char *what) { render_set(R(req), what, "FP.outcome"); }

/* The customer a match names, for the result: name, photo, number. */
static int show_customer(web_req_t *req, int64_t customer_id)
{
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT id, full_name, photo_file IS NOT NULL FROM customers WHERE id = ?", "i", customer_id);
    if (rc) return rc;
    if (res->nrows != 1) return DB_ERR_FK;
    render_set(R(req), db_cell(res, 0, 0), "FP.customer.id");
    render_set(R(req), db_cell(res, 0, 1), "FP.customer.name");
    render_set(R(req), db_cell(res, 0, 2), "FP.customer.has_photo");
    return DB_OK;
}

static void show_lockout(web_req_t *req, const fpv_lockout_t *lock)
{
    render_set_int(R(req), lock->failures, "FP.lock.failures");
    render_set_int(R(req), lock->max_failures, "FP.lock.max");
    render_set(R(req), lock->until_local, "FP.lock.until");
}

/* fingerd's refusal or silence, said to the clerk; a scan that failed on
 * the device is an attempt too (no lock-out weight). */
static void reader_trouble(web_req_t *req, int status, const json_t *final, const char *err)
{
    const char *code = status == FINGERC_REFUSED ? fingerc_error_code(final) : fingerc_status_name(status);
    outcome(req, !strcmp(code, "not_enrolled") ? "not_enrolled" : "reader");
    render_set(R(req), code, "FP.reader_error");
    render_set(R(req), err, "FP.reader_detail");
}

/* Records the visit a match proves, and says how it went. */
static int check_in_by_match(web_req_t *req, int64_t site_id, int64_t contract_id, const char *match_id)
{
    visit_start_t v = { .site_id = site_id, .contract_id = contract_id, .verified_by = "fingerprint",
                        .verification_ref = match_id, .staff_user_id = staff_user(req)->id };
    audit_actor_t who = staff_actor(req);
    inv_error_t err = { 0 };
    int64_t id = 0;
    int rc = visit_check_in(page_db(req), &who, &v, &id, &err);
    if (rc == VISIT_REFUSED || rc == VISIT_NOT_FOUND) {
        outcome(req, "refused");
        render_set(R(req), err.code, "FP.refusal");
        return DB_OK;
    }
    if (rc) return rc;
    outcome(req, "visit_recorded");
    render_set_int(R(req), id, "FP.visit_id");
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res,
                  "SELECT ce.label, b.name FROM contracts k JOIN cells ce ON ce.id = k.cell_id"
                  " JOIN banks b ON b.id = ce.bank_id WHERE k.id = ?", "i", contract_id);
    if (rc) return rc;
    render_set_int(R(req), contract_id, "FP.contract.id");
    if (res->nrows == 1) {
        render_set(R(req), db_cell(res, 0, 0), "FP.contract.cell");
        render_set(R(req), db_cell(res, 0, 1), "FP.contract.bank");
    }
    return DB_OK;
}

static int record(web_req_t *req, int64_t site_id, int64_t customer_id, const char *kind, const char *result,
                  const char *detail, const char *match_id, fpv_lockout_t *lock)
{
    audit_actor_t who = staff_actor(req);
    fpv_attempt_t at = { .site_id = site_id, .customer_id = customer_id, .kind = kind, .result = result,
                         .detail = detail, .match_id = match_id, .staff_user_id = staff_user(req)->id };
    return fpv_record(page_db(req), req->arena, staff_notices(req), &who, &at, lock);
}

/* ---------- verify: the clerk picked the contract ---------- */

typedef struct verify_ctx {
    int64_t site_id, contract_id, customer_id;
} verify_ctx_t;

static int verify_final(web_req_t *req, int status, const json_t *final, const char *err, void *p)
{
    verify_ctx_t *x = p;
    int rc = show_customer(req, x->customer_id);
    if (rc) return page_db_fail(req, rc);
    fpv_lockout_t lock;
    if (status != FINGERC_OK) {
        reader_trouble(req, status, final, err);
        const char *code = status == FINGERC_REFUSED ? fingerc_error_code(final) : "";
        /* A scan that happened and failed on the device is kept; busy,
         * cancelled or a missing fingerd read no finger. */
        if (!strcmp(code, "device_error") || !strcmp(code, "timeout") || !strcmp(code, "no_device"))
            if ((rc = record(req, x->site_id, x->customer_id, "verify", "error", code, NULL, &lock)) != 0)
                return page_db_fail(req, rc);
        return 0;
    }
    const char *match_id = json_string_value(json_object_get(final, "match_id"));
    int matched = json_is_true(json_object_get(final, "match")) && match_id &&
                  json_integer_value(json_object_get(final, "customer")) == x->customer_id;
    rc = record(req, x->site_id, x->customer_id, "verify", matched ? "match" : "no_match", "",
                matched ? match_id : NULL, &lock);
    if (rc) return page_db_fail(req, rc);
    if (!matched) {
        show_lockout(req, &lock);
        outcome(req, lock.locked ? "locked" : "no_match");
        return 0;
    }
    rc = check_in_by_match(req, x->site_id, x->contract_id, match_id);
    return rc ? page_db_fail(req, rc) : 0;
}

/* The contract's site and customer, if the user may see it. */
static int load_contract_owner(web_req_t *req, int64_t contract_id, verify_ctx_t *x)
{
    db_res_t *res;
    int rc = contract_id > 0 ? db_query(page_db(req), req->arena, &res,
                                        "SELECT site_id, customer_id FROM contracts WHERE id = ?", "i", contract_id)
                             : DB_OK;
    if (rc) return page_db_fail(req, rc);
    if (contract_id <= 0 || res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    *x = (verify_ctx_t){ db_cell_int(res, 0, 0), contract_id, db_cell_int(res, 0, 1) };
    return staff_check_site(req, x->site_id);
}

int bo_fp_verify(web_req_t *req)
{
    verify_ctx_t x = { 0 };
    int rc = load_contract_owner(req, web_id(web_form_trimmed(req, "contract_id")), &x);
    if (rc) return rc;
    /* A locked-out customer is not scanned at all: the lock-out is what
     * stops someone trying finger after finger. */
    fpv_lockout_t lock;
    if ((rc = fpv_lockout(page_db(req), req->arena, x.site_id, x.customer_id, &lock)) != 0) return page_db_fail(req, rc);
    json_t *q = json_pack("{s:s, s:I}", "op", "verify", "customer", (json_int_t)x.customer_id);
    if (!q) return web_fail(req, 500, "internal", NULL);
    render_set_int(R(req), x.site_id, "FP.site_id");
    fp_live_t live = { .site_id = x.site_id, .request = q, .on_final = verify_final, .ctx = &x,
                       .fragment = "backoffice/fp_visit_result.cs", .page = "backoffice/fp_visit_page.cs" };
    if (lock.locked) {
        /* Answered like a finished operation, without the reader. */
        int s = show_customer(req, x.customer_id);
        json_decref(q);
        if (s) return page_db_fail(req, s);
        show_lockout(req, &lock);
        outcome(req, "locked");
        return bo_fp_live_refuse(req, &live, "locked_out", 409);
    }
    rc = bo_fp_live(req, &live);
    json_decref(q);
    return rc;
}

/* ---------- identify: the customer just places a finger ---------- */

typedef struct identify_ctx {
    int64_t site_id;
} identify_ctx_t;

/* The matched customer's lockers at the site: one is opened, several are
 * offered (only the ones a visit can start on are choosable). */
static int after_identify(web_req_t *req, int64_t site_id, int64_t customer_id, const char *match_id)
{
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT k.id, k.state, ce.label, b.name, k.state = 'active' AND vo.id IS NULL"
        " FROM contracts k JOIN cells ce ON ce.id = k.cell_id JOIN banks b ON b.id = ce.bank_id"
        " LEFT JOIN visits vo ON vo.open_contract_id = k.id"
        " WHERE k.customer_id = ? AND k.site_id = ? AND k.state <> 'closed' ORDER BY k.id LIMIT ?",
        "iiI", customer_id, site_id, CHOICES_MAX);
    if (rc) return rc;
    /* One locker: its visit is recorded (or the refusal says why not). */
    if (res->nrows == 1) return check_in_by_match(req, site_id, db_cell_int(res, 0, 0), match_id);
    if (res->nrows == 0) {
        outcome(req, "refused");
        render_set(R(req), "contract_closed", "FP.refusal");
        return DB_OK;
    }
    outcome(req, "choose_contract");
    render_set(R(req), match_id, "FP.match_id");
    static const char *const names[] = { "contract_id", "state", "cell", "bank", "choosable" };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < 5; c++) render_set(R(req), db_cell(res, i, c), "FP.choices.%d.%s", i, names[c]);
    return DB_OK;
}

static int identify_final(web_req_t *req, int status, const json_t *final, const char *err, void *p)
{
    identify_ctx_t *x = p;
    fpv_lockout_t lock;
    int rc;
    if (status != FINGERC_OK) {
        reader_trouble(req, status, final, err);
        const char *code = status == FINGERC_REFUSED ? fingerc_error_code(final) : "";
        if (!strcmp(code, "device_error") || !strcmp(code, "timeout") || !strcmp(code, "no_device"))
            if ((rc = record(req, x->site_id, 0, "identify", "error", code, NULL, &lock)) != 0)
                return page_db_fail(req, rc);
        return 0;
    }
    const char *match_id = json_string_value(json_object_get(final, "match_id"));
    int64_t customer_id = json_integer_value(json_object_get(final, "customer"));
    /* fingerd searches its own site's prints; a customer of another site
     * would be a configuration mistake, and lets nobody in. */
    if (!json_is_true(json_object_get(final, "match")) || !match_id || customer_id <= 0 ||
        customer_site(page_db(req), req->arena, customer_id) != x->site_id) {
        if ((rc = record(req, x->site_id, 0, "identify", "no_match", "", NULL, &lock)) != 0) return page_db_fail(req, rc);
        outcome(req, "no_match");
        return 0;
    }
    if ((rc = show_customer(req, customer_id)) != 0) return page_db_fail(req, rc);
    /* A locked-out customer stays out even with a finger that matches:
     * whoever tried before was trying on this account. */
    if ((rc = fpv_lockout(page_db(req), req->arena, x->site_id, customer_id, &lock)) != 0) return page_db_fail(req, rc);
    if (lock.locked) {
        if ((rc = record(req, x->site_id, customer_id, "identify", "error", "locked_out", match_id, NULL)) != 0)
            return page_db_fail(req, rc);
        show_lockout(req, &lock);
        outcome(req, "locked");
        return 0;
    }
    if ((rc = record(req, x->site_id, customer_id, "identify", "match", "", match_id, NULL)) != 0)
        return page_db_fail(req, rc);
    rc = after_identify(req, x->site_id, customer_id, match_id);
    return rc ? page_db_fail(req, rc) : 0;
}

int bo_fp_identify(web_req_t *req)
{
    identify_ctx_t x = { web_id(web_form_trimmed(req, "site_id")) };
    if (x.site_id <= 0) return web_fail(req, 404, "not_found", NULL);
    int rc = staff_check_site(req, x.site_id);
    if (rc) return rc;
    json_t *q = json_pack("{s:s}", "op", "identify");
    if (!q) return web_fail(req, 500, "internal", NULL);
    render_set_int(R(req), x.site_id, "FP.site_id");
    fp_live_t live = { .site_id = x.site_id, .request = q, .on_final = identify_final, .ctx = &x,
                       .fragment = "backoffice/fp_visit_result.cs", .page = "backoffice/fp_visit_page.cs" };
    rc = bo_fp_live(req, &live);
    json_decref(q);
    return rc;
}

/* The identify screen: the sites the user sees that have a reader. */
int bo_fp_visit_screen(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT id, name FROM sites WHERE mod_vault = 1"
        " AND (? = 1 OR id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?)) ORDER BY name, id",
        "Ii", u->all_sites, u->id);
    if (rc) return page_db_fail(req, rc);
    int64_t want = web_id(web_query_given(req, "site"));
    int n = 0;
    for (int i = 0; i < res->nrows; i++) {
        char sock[256];
        int64_t id = db_cell_int(res, i, 0);
        if (fingerc_reader_socket(req->w->cfg, id, sock, sizeof sock) != 0) continue;
        render_set(R(req), db_cell(res, i, 0), "Readers.%d.site_id", n);
        render_set(R(req), db_cell(res, i, 1), "Readers.%d.site", n);
        if (id == want || (!want && n == 0)) {
            render_set_int(R(req), id, "Chosen.site_id");
            bo_fp_reader_state(req, id);
        }
        n++;
    }
    return page_render(req, "backoffice/fp_visit_verify.cs") ? 500 : 0;
}

/* ---------- a match named by a form ---------- */

int bo_fp_confirm_match(web_req_t *req, int64_t site_id, int64_t customer_id, const char *match_id, inv_error_t *err)
{
    char sock[256];
    if (fingerc_reader_socket(req->w->cfg, site_id, sock, sizeof sock) != 0) {
        *err = (inv_error_t){ "verified_by", "fingerprint_unavailable" };
        return -1;
    }
    if (!match_id || !*match_id || strlen(match_id) > VISIT_REF_MAX) {
        *err = (inv_error_t){ "verification_ref", "verification_ref" };
        return -1;
    }
    int yes = fingerc_vouches(req->w->cfg, site_id, customer_id, match_id);
    if (yes == 1) return 0;
    *err = yes == 0 ? (inv_error_t){ "verification_ref", "verification_ref" }
                    : (inv_error_t){ "verified_by", "fingerprint_unavailable" };
    return -1;
}

/* ---------- the check-in screen's fingerprint part ---------- */

int bo_fp_checkin_state(web_req_t *req, int64_t site_id, int64_t customer_id)
{
    char sock[256];
    render_set(R(req), fingerc_reader_socket(req->w->cfg, site_id, sock, sizeof sock) == 0 ? "1" : "0", "FPState.reader");
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = ? AND site_id = ?", "ii",
                      customer_id, site_id);
    if (rc) return page_db_fail(req, rc);
    render_set(R(req), db_cell(res, 0, 0), "FPState.prints");
    fpv_lockout_t lock;
    if ((rc = fpv_lockout(page_db(req), req->arena, site_id, customer_id, &lock)) != 0) return page_db_fail(req, rc);
    render_set(R(req), lock.locked ? "1" : "0", "FPState.locked");
    render_set(R(req), lock.until_local, "FPState.until");
    if (fingerc_reader_socket(req->w->cfg, site_id, sock, sizeof sock) == 0) bo_fp_reader_state(req, site_id);
    return 0;
}
