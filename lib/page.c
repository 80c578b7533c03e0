#include "page.h"
#include "secret.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

int page_worker_init(web_worker_t *w)
{
    char err[512];
    if (secret_init() != 0) { log_error("libsodium failed to start"); return -1; }
    w->db = db_open(w->cfg, w->app->name, err, sizeof err);
    if (!w->db) { log_error("%s", err); return -1; }
    w->render = render_new(config_get(w->cfg, "Paths.Templates", "templates"),
                           config_get(w->cfg, "Lang.Available", "en"),
                           config_get(w->cfg, "Lang.Default", "en"), err, sizeof err);
    if (!w->render) { log_error("%s", err); return -1; }
    db_ping(w->db);   /* connect early when we can; later requests reconnect */
    return 0;
}

void page_prepare(web_req_t *req)
{
    render_t *r = page_r(req);
    req->lang = render_pick_lang(r, req);
    render_set(r, req->lang, "Page.lang");
    render_set(r, req->path, "Page.path");
    render_set(r, req->w->app->name, "Page.program");
    /* The current URL without lang=, for the language switcher links. */
    render_set(r, req->path, "Page.self");
    web_add_header(req, "X-Content-Type-Options", "nosniff");
    web_add_header(req, "X-Frame-Options", "DENY");
    web_add_header(req, "Referrer-Policy", "same-origin");
    web_add_header(req, "Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    web_add_header(req, "Cache-Control", "no-store");
}

int page_before_public(web_req_t *req, const web_route_t *route)
{
    (void)route;
    page_prepare(req);
    return 0;
}

int page_render(web_req_t *req, const char *tmpl)
{
    web_add_header(req, "Content-Type", "text/html; charset=utf-8");
    return render_page(page_r(req), req, tmpl);
}

void page_error(web_req_t *req, int status)
{
    render_t *r = page_r(req);
    if (!req->lang || !hdf_get_value(render_hdf(r), "Page.lang", NULL)) page_prepare(req);
    char key[64];
    snprintf(key, sizeof key, "errors.%d", status);
    render_set_int(r, status, "Error.status");
    render_set(r, render_str(r, key), "Error.title");
    if (req->error_detail) render_set(r, req->error_detail, "Error.detail");
    else if (req->error_code) {
        snprintf(key, sizeof key, "errors.%s", req->error_code);
        const char *t = render_str(r, key);
        if (strcmp(t, key) != 0) render_set(r, t, "Error.detail");
    }
    if (req->error_code) render_set(r, req->error_code, "Error.code");
    web_reset_body(req);
    if (render_page(r, req, "layout/error.cs") != 0) {
        web_reset_body(req);
        web_printf(req, "<!doctype html><title>%d</title><h1>%d %s</h1>\n", status, status, web_status_text(status));
    }
    web_add_header(req, "Content-Type", "text/html; charset=utf-8");
}

int page_db_fail(web_req_t *req, int db_rc)
{
    if (db_rc == DB_ERR_GONE) return web_fail(req, 503, "database_unavailable", NULL);
    return web_fail(req, 500, "internal", NULL);
}
