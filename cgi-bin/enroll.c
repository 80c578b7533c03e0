/* enroll.fcgi: self-enrollment on a paired tablet under /enroll/.
 *
 * A device without a valid token sees the pairing screen and can do
 * nothing else.  A paired tablet shows a four-step form (personal
 * details, plan and size, consents, review) in the customer's language.
 * Nothing is stored until the final submit: earlier steps travel as
 * hidden fields and every step is checked again at the end. */
#include "enroll.h"
#include "secret.h"
#include "money.h"
#include "sitetime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The device of this request (NULL when unpaired). */
static const tablet_t *device(const web_req_t *req) { return req->user; }

static void set_cookie(web_req_t *req, const char *name, const char *value, long max_age)
{
    /* Strict: the token never rides along on a request started elsewhere. */
    int secure = req->is_https || config_int(req->w->cfg, "Web.CookieSecure", 0);
    web_add_header(req, "Set-Cookie",
                   arena_printf(req->arena, "%s=%s; Path=/enroll/; HttpOnly; SameSite=Strict%s; Max-Age=%ld",
                                name, value, secure ? "; Secure" : "", max_age));
}

/* The site's languages that we have strings for, as Enroll.langs.N.{code,name};
 * when the request's language is not one of them, the site's first wins. */
static void site_languages(web_req_t *req, const tablet_t *t)
{
    render_t *r = page_r(req);
    HDF *hdf = render_hdf(r);
    const char *list = t ? t->site_languages : config_get(req->w->cfg, "Lang.Available", "en");
    const char *first = NULL;
    int n = 0, current_ok = 0;
    char *copy = arena_strdup(req->arena, list ? list : "en"), *save = NULL;
    for (char *code = strtok_r(copy, ", ", &save); code; code = strtok_r(NULL, ", ", &save)) {
        if (!render_has_lang(r, code)) continue;
        char key[64];
        snprintf(key, sizeof key, "Langs.%s.language_name", code);
        render_set(r, code, "Enroll.langs.%d.code", n);
        render_set(r, hdf_get_value(hdf, key, code), "Enroll.langs.%d.name", n);
        if (!first) first = code;
        if (req->lang && !strcmp(req->lang, code)) current_ok = 1;
        n++;
    }
    if (first && !current_ok) {
        /* Pick again as if the tablet had asked for the site's first language. */
        req->query = (kvlist_t){ 0 };
        kv_add(req->arena, &req->query, "lang", first, strlen(first));
        req->lang = render_pick_lang(r, req);
        render_set(r, req->lang, "Page.lang");
    }
    render_set(r, first ? first : req->lang, "Enroll.first_lang");
}

static int show_pairing(web_req_t *req, int status)
{
    web_set_status(req, status);
    return page_render(req, "enroll/index.cs") ? 500 : 0;
}

static int enroll_before(web_req_t *req, const web_route_t *rt)
{
    page_prepare(req);
    render_t *r = page_r(req);
    /* Language links start the screen over: in-form switching keeps what was typed. */
    render_set(r, "/enroll/", "Page.self");
    tablet_t *t = NULL;
    const char *tok = web_cookie(req, TABLET_COOKIE);
    if (tok) {
        int rc = tablet_resolve(page_db(req), req->arena, tok, &t);
        if (rc == TABLET_DB_ERROR) return web_fail(req, 503, "database_unavailable", NULL);
        if (rc != TABLET_OK) { t = NULL; set_cookie(req, TABLET_COOKIE, "", 0); }
    }
    req->user = t;
    site_languages(req, t);
    if (t) render_set(r, t->site_name, "Enroll.site");

    /* CSRF: bound to the device token, or before pairing to a
     * pre-pairing cookie, as the staff log-in form is. */
    const char *basis = t ? tok : web_cookie(req, ENROLL_PRE_COOKIE);
    char *csrf = arena_alloc(req->arena, AUTH_TOKEN_LEN);
    if (!basis || strlen(basis) != AUTH_TOKEN_LEN - 1) {
        char *fresh = arena_alloc(req->arena, AUTH_TOKEN_LEN);
        secret_token(fresh, AUTH_TOKEN_LEN, 32);
        set_cookie(req, ENROLL_PRE_COOKIE, fresh, 86400);
        auth_csrf_for(fresh, csrf);
        basis = NULL;
    } else {
        auth_csrf_for(basis, csrf);
    }
    req->csrf = csrf;
    render_set(r, csrf, "CSRF");
    if (!rt) return 0;

    /* Only pairing is open to an unpaired device. */
    if (!t && rt->fn != enroll_pair) {
        if (strcmp(req->method, "GET") == 0) { show_pairing(req, 200); return WEB_DONE; }
        show_pairing(req, 401);
        return WEB_DONE;
    }
    if (web_is_post(req) && (!basis || !auth_csrf_valid(basis, web_form(req, "_csrf"))))
        return web_fail(req, 403, "csrf", NULL);
    return 0;
}

/* ---------- pairing ---------- */

int enroll_pair(web_req_t *req)
{
    render_t *r = page_r(req);
    if (device(req)) return web_redirect(req, "/enroll/");
    tablet_policy_t pol;
    tablet_policy_from_config(req->w->cfg, &pol);
    char token[TABLET_TOKEN_LEN];
    tablet_t *t = NULL;
    int rc = tablet_pair(page_db(req), req->arena, &pol, web_form(req, "code"), req->remote_addr, token, &t);
    if (rc == TABLET_DB_ERROR) return web_fail(req, 503, "database_unavailable", NULL);
    if (rc == TABLET_THROTTLED) {
        render_set(r, render_str(r, "enroll.pair.throttled"), "Pair.error");
        return show_pairing(req, 429);
    }
    if (rc != TABLET_OK) {
        render_set(r, render_str(r, "enroll.pair.bad_code"), "Pair.error");
        return show_pairing(req, 422);
    }
    /* Long-lived: the tablet stays paired until staff revoke it. */
    set_cookie(req, TABLET_COOKIE, token, 400L * 86400);
    set_cookie(req, ENROLL_PRE_COOKIE, "", 0);
    return web_redirect(req, "/enroll/");
}

/* ---------- the form ---------- */

const char *const enroll_step_fields[ENROLL_STEPS + 1][12] = {
    { NULL },
    { "full_name", "date_of_birth", "doc_type", "doc_number", "doc_expiry", "address", "phone", "email",
      "nominee_name", "nominee_relation", "nominee_phone", NULL },
    { "size_class", "period", "features", NULL },
    { "consent_terms", "consent_privacy", "consent_biometric", "consent_marketing", NULL },
    { NULL },
};


/* Reads every step's fields from the form (the current step's inputs and
 * the earlier steps' hidden fields look the same to us). */
static void read_form(web_req_t *req, enrollment_t *e)
{
    const tablet_t *t = device(req);
    memset(e, 0, sizeof *e);
    customer_t *c = &e->c;
    c->site_id = t->site_id;
    c->full_name = web_form_trimmed(req, "full_name");
    c->date_of_birth = web_form_trimmed(req, "date_of_birth");
    c->doc_type = web_form_trimmed(req, "doc_type");
    c->doc_number = web_form_trimmed(req, "doc_number");
    c->doc_expiry = web_form_trimmed(req, "doc_expiry");
    c->address = web_form_trimmed(req, "address");
    c->phone = web_form_trimmed(req, "phone");
    c->email = web_form_trimmed(req, "email");
    c->nominee_name = web_form_trimmed(req, "nominee_name");
    c->nominee_relation = web_form_trimmed(req, "nominee_relation");
    c->nominee_phone = web_form_trimmed(req, "nominee_phone");
    c->co_holder_name = "";
    c->notes = "";
    c->language = req->lang;
    c->payment_preference = web_form_trimmed(req, "period");
    e->size_class = web_form_trimmed(req, "size_class");
    /* Ticked boxes arrive one value each, the hidden copy as one list. */
    const char **lists = arena_alloc(req->arena, sizeof *lists * (req->form.count + 1));
    int n = 0;
    for (const kv_t *kv = req->form.head; lists && kv; kv = kv->next)
        if (!strcmp(kv->name, "features")) lists[n++] = kv->value;
    e->features = lists ? enrollment_features(req->arena, lists, n) : NULL;
    static const char *const consent_names[ENROLL_NCONSENTS] = {
        "consent_terms", "consent_privacy", "consent_biometric", "consent_marketing" };
    for (int k = 0; k < ENROLL_NCONSENTS; k++) e->consents[k] = !strcmp(web_form_trimmed(req, consent_names[k]), "1");
}

static void put_form(web_req_t *req, const enrollment_t *e)
{
    render_t *r = page_r(req);
    enrollment_render_fields(r, e, "Form");
    static const char *const consent_names[ENROLL_NCONSENTS] = {
        "consent_terms", "consent_privacy", "consent_biometric", "consent_marketing" };
    for (int k = 0; k < ENROLL_NCONSENTS; k++) render_set(r, e->consents[k] ? "1" : "", "Form.%s", consent_names[k]);
}

/* The message for a code: the tablet's own wording first, then the
 * shared field messages, then a general one. */
const char *enroll_message(render_t *r, const char *code)
{
    char key[128];
    snprintf(key, sizeof key, "enroll.errors.%s", code);
    const char *s = render_str(r, key);
    if (strcmp(s, key) != 0) return s;
    snprintf(key, sizeof key, "errors.field.%s", code);
    s = render_str(r, key);
    if (strcmp(s, key) != 0) return s;
    return render_str(r, "errors.field.invalid");
}

static int step_of(const char *fieldname)
{
    for (int s = 1; s < ENROLL_STEPS; s++)
        for (int i = 0; enroll_step_fields[s][i]; i++)
            if (!strcmp(enroll_step_fields[s][i], fieldname)) return s;
    return 1;
}

/* The site's sizes with their inner dimensions and prices: the sizes that
 * have an active plan, or every size when the site has none yet. */
static int put_sizes(web_req_t *req)
{
    const tablet_t *t = device(req);
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT size_class, period, price, deposit FROM plans WHERE site_id = ? AND active = 1"
        " ORDER BY FIELD(size_class, 'S', 'M', 'L', 'XL'), period", "i", t->site_id);
    if (rc) return rc;
    int n = 0;
    for (int s = 0; inv_sizes[s]; s++) {
        int any = 0;
        for (int i = 0; i < res->nrows; i++) {
            if (strcmp(db_cell(res, i, 0), inv_sizes[s]) != 0) continue;
            char price[64], deposit[64];
            const char *period = db_cell(res, i, 1);
            money_display(db_cell_int(res, i, 2), t->site_currency, price, sizeof price);
            money_display(db_cell_int(res, i, 3), t->site_currency, deposit, sizeof deposit);
            render_set(r, price, "Sizes.%d.%s", n, period);
            if (db_cell_int(res, i, 3) > 0) render_set(r, deposit, "Sizes.%d.%s_deposit", n, period);
            any = 1;
        }
        if (!any && res->nrows > 0) continue;
        int w, h, d;
        inv_default_dims(inv_sizes[s], &w, &h, &d);
        render_set(r, inv_sizes[s], "Sizes.%d.size", n);
        render_set_int(r, w, "Sizes.%d.w", n);
        render_set_int(r, h, "Sizes.%d.h", n);
        render_set_int(r, d, "Sizes.%d.d", n);
        n++;
    }
    for (int k = 0; inv_features[k]; k++) render_set(r, inv_features[k], "Features.%d", k);
    return DB_OK;
}

static int show_step(web_req_t *req, const enrollment_t *e, int step, const inv_error_t *errs, int nerr)
{
    render_t *r = page_r(req);
    put_form(req, e);
    render_set_int(r, step, "Form.step");
    render_set(r, CUSTOMER_CONSENT_VERSION, "Enroll.consent_version");
    for (int i = 0; i < nerr; i++) {
        render_set(r, enroll_message(r, errs[i].code), "Errors.%s", errs[i].field);
        if (i == 0) render_set(r, errs[i].field, "Form.first_error");
    }
    if (nerr) web_set_status(req, 422);
    int rc = put_sizes(req);
    if (rc) return page_db_fail(req, rc);
    return page_render(req, "enroll/form.cs") ? 500 : 0;
}

int enroll_home(web_req_t *req)
{
    enrollment_t e;
    read_form(req, &e);          /* an empty form on GET */
    return show_step(req, &e, 1, NULL, 0);
}

int enroll_step(web_req_t *req)
{
    enrollment_t e;
    read_form(req, &e);
    const char *s = web_form(req, "step");
    int step = s ? atoi(s) : 1;
    if (step < 1 || step > ENROLL_STEPS) step = 1;
    const char *nav = web_form_trimmed(req, "nav");
    char today[11];
    int rc = sitetime_today(page_db(req), req->arena, device(req)->site_id, today);
    if (rc) return page_db_fail(req, rc);
    inv_error_t errs[16];

    if (!strcmp(nav, "back")) return show_step(req, &e, step > 1 ? step - 1 : 1, NULL, 0);
    if (!strncmp(nav, "edit", 4) && nav[4] >= '1' && nav[4] <= '3' && !nav[5]) return show_step(req, &e, nav[4] - '0', NULL, 0);
    if (strcmp(nav, "next") != 0 || step >= ENROLL_STEPS) return show_step(req, &e, step, NULL, 0);   /* language switch */

    int n = enrollment_check(&e, step, today, errs, 16);
    if (n) return show_step(req, &e, step, errs, n);
    if (step + 1 == ENROLL_STEPS) {
        /* Before the review, all of it again: hidden fields can be altered. */
        n = enrollment_check(&e, ENROLL_STEPS, today, errs, 16);
        if (n) return show_step(req, &e, step_of(errs[0].field), errs, n);
    }
    return show_step(req, &e, step + 1, NULL, 0);
}

int enroll_submit(web_req_t *req)
{
    const tablet_t *t = device(req);
    render_t *r = page_r(req);
    enrollment_t e;
    read_form(req, &e);
    char today[11];
    int rc = sitetime_today(page_db(req), req->arena, t->site_id, today);
    if (rc) return page_db_fail(req, rc);
    inv_error_t errs[16];
    int n = enrollment_check(&e, ENROLL_STEPS, today, errs, 16);
    if (n) return show_step(req, &e, step_of(errs[0].field), errs, n);
    audit_actor_t who = tablet_actor(t, req->remote_addr);
    int64_t id = 0;
    rc = enrollment_submit(page_db(req), req->arena, &who, t->id, &e,
                               (int)config_int(req->w->cfg, "Enroll.MaxPerHour", 20), &id);
    if (rc == ENROLL_LIMIT) {
        render_set(r, "limit", "Enroll.refused");
        web_set_status(req, 429);
        return page_render(req, "enroll/thanks.cs") ? 500 : 0;
    }
    if (rc) return page_db_fail(req, rc);
    return web_redirect(req, "/enroll/thanks");
}

int enroll_thanks(web_req_t *req)
{
    render_t *r = page_r(req);
    /* The next customer starts afresh, in the site's first language. */
    const char *first = hdf_get_value(render_hdf(r), "Enroll.first_lang", "en");
    int secs = (int)config_int(req->w->cfg, "Enroll.ThanksSeconds", 8);
    render_set_int(r, secs, "Enroll.refresh");
    web_add_header(req, "Refresh", arena_printf(req->arena, "%d; url=/enroll/?lang=%s", secs, first));
    return page_render(req, "enroll/thanks.cs") ? 500 : 0;
}

/* A reload of a step's answer asks for it with GET: start the screen over. */
static int enroll_restart(web_req_t *req) { return web_redirect(req, "/enroll/"); }

static const web_route_t routes[] = {
    { "GET",  "/enroll/",       enroll_home,   WEB_PUBLIC, NULL },
    { "GET",  "/enroll/step",   enroll_restart, WEB_PUBLIC, NULL },
    { "GET",  "/enroll/submit", enroll_restart, WEB_PUBLIC, NULL },
    { "POST", "/enroll/pair",   enroll_pair,   WEB_PUBLIC, NULL },
    { "POST", "/enroll/step",   enroll_step,   WEB_PUBLIC, NULL },
    { "POST", "/enroll/submit", enroll_submit, WEB_PUBLIC, NULL },
    { "GET",  "/enroll/thanks", enroll_thanks, WEB_PUBLIC, NULL },
    { NULL, NULL, NULL, 0, NULL },
};

static const web_app_t app = {
    .name = "enroll",
    .routes = routes,
    .worker_init = page_worker_init,
    .before = enroll_before,
    .error = page_error,
};

int main(int argc, char **argv) { return web_main(&app, argc, argv); }
