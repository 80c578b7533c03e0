#include "staff.h"
#include "page.h"
#include "secret.h"
#include "tablet.h"
#include "boards.h"
#include "outboxview.h"
#include "log.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const auth_user_t *staff_user(const web_req_t *req) { return req->user; }

auth_cache_t *staff_cache(const web_req_t *req)
{
    const staff_worker_t *sw = req->w->app_data;
    return sw ? sw->sessions : NULL;
}

notice_t *staff_notices(const web_req_t *req)
{
    const staff_worker_t *sw = req->w->app_data;
    return sw ? sw->notices : NULL;
}

int staff_worker_init(web_worker_t *w)
{
    if (page_worker_init(w) != 0) return -1;
    staff_worker_t *sw = calloc(1, sizeof *sw);
    if (!sw) return -1;
    /* Sessions: 64 entries, 5 s each; rendered grids: 8 entries, 2 MB. */
    sw->sessions = auth_cache_new(64, (int)config_int(w->cfg, "Auth.SessionCacheMs", 5000),
                                  w->shared ? &w->shared->auth_generation : NULL);
    sw->fragments = fragcache_new(8, 2u << 20);
    sw->site_counts = fragcache_new(512, 64u << 10);
    /* A broken notice template stops the worker here, loudly, rather than
     * lose every receipt without a word. */
    char err[512] = "out of memory";
    sw->notices = notice_new(w->cfg, err, sizeof err);
    if (!sw->notices) log_error("%s", err);
    if (!sw->sessions || !sw->fragments || !sw->site_counts || !sw->notices) {
        auth_cache_free(sw->sessions);
        fragcache_free(sw->fragments);
        fragcache_free(sw->site_counts);
        notice_free(sw->notices);
        free(sw);
        return -1;
    }
    w->app_data = sw;
    return 0;
}

audit_actor_t staff_actor(const web_req_t *req)
{
    const auth_user_t *u = req->user;
    audit_actor_t a = { .type = "staff", .id = u ? u->id : 0, .name = u ? u->username : "",
                        .ip = req->remote_addr };
    return a;
}

int staff_check_site(web_req_t *req, int64_t site_id)
{
    return auth_can_see_site(req->user, site_id) ? 0 : web_fail(req, 404, "not_found", NULL);
}

int staff_is_safe_next(const char *next)
{
    /* Only our own pages: no scheme, no protocol-relative "//host". */
    return next && strncmp(next, "/admin/", 7) == 0 && !strstr(next, "//") && !strchr(next, '\\') &&
           strlen(next) < 512;
}

/* Counters the layout shows beside its nav links (Pending.*: enrollments
 * to review, alarms, messages that failed).  Only the back office's
 * account may read them, and a failed count only hides the badge: it
 * never costs the page. */
#define BADGE_CACHE_MS 5000

static void staff_pending_badges(web_req_t *req, const auth_user_t *u)
{
    int enroll = auth_role_can(u->role, "enrollments.review"), alarms = auth_role_can(u->role, "alarms.view");
    int outbox = auth_role_can(u->role, "outbox.view");
    if (strcmp(req->w->app->name, "backoffice") != 0 || (!enroll && !alarms && !outbox)) return;
    if (strcmp(req->method, "GET") != 0) return;   /* only pages show the badge */
    /* A script's poll (the badges' own counts, the doors of the grid) gets
     * JSON, not a page: counting for it would only double its cost. */
    const char *accept = web_env(req, "HTTP_ACCEPT");
    if (accept && strstr(accept, "application/json")) return;
    staff_worker_t *sw = req->w->app_data;
    if (!sw) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    /* The overview and the pages of either queue always count afresh. */
    const char *perm = req->route ? req->route->perm : NULL;
    int exact = perm && (!strcmp(perm, "dashboard.view") || !strcmp(perm, "enrollments.review") ||
                         !strcmp(perm, "alarms.view") || !strcmp(perm, "outbox.view"));
    if (exact || sw->badge.user_id != u->id || now >= sw->badge.until_ms) {
        int64_t n = 0, a = 0, o = 0;
        if (enroll && tablet_enrollments_pending(page_db(req), req->arena, u, &n) != DB_OK) return;
        if (alarms && boards_alarms_pending(page_db(req), req->arena, u, &a) != DB_OK) return;
        if (outbox && outboxview_attention(page_db(req), req->arena, u, &o) != DB_OK) return;
        sw->badge.user_id = u->id;
        sw->badge.count = n;
        sw->badge.alarms = a;
        sw->badge.outbox = o;
        sw->badge.until_ms = now + BADGE_CACHE_MS;
    }
    if (enroll && sw->badge.count > 0) render_set_int(page_r(req), sw->badge.count, "Pending.enrollments");
    if (alarms && sw->badge.alarms > 0) render_set_int(page_r(req), sw->badge.alarms, "Pending.alarms");
    if (outbox && sw->badge.outbox > 0) render_set_int(page_r(req), sw->badge.outbox, "Pending.outbox");
}

int staff_before(web_req_t *req, const web_route_t *rt)
{
    page_prepare(req);
    render_t *r = page_r(req);
    const char *tok = web_cookie(req, AUTH_SESSION_COOKIE);
    auth_user_t *u = NULL;
    if (tok) {
        int rc = auth_session_cached(staff_cache(req), page_db(req), req->arena, tok, &u);
        if (rc == AUTH_DB_ERROR) return web_fail(req, 503, "database_unavailable", NULL);
        if (rc != AUTH_OK) u = NULL;
    }
    req->user = u;

    /* The CSRF token is bound to the session, or before log-in to a
     * pre-session cookie, so the log-in form is protected too. */
    const char *basis = u ? tok : web_cookie(req, AUTH_PRESESSION_COOKIE);
    if (!basis || strlen(basis) != AUTH_TOKEN_LEN - 1) {
        char *fresh = arena_alloc(req->arena, AUTH_TOKEN_LEN);
        secret_token(fresh, AUTH_TOKEN_LEN, 32);
        web_set_cookie(req, AUTH_PRESESSION_COOKIE, fresh, -1, 1);
        basis = NULL;          /* a request without the cookie cannot carry a valid token */
        req->csrf = arena_alloc(req->arena, AUTH_TOKEN_LEN);
        auth_csrf_for(fresh, (char *)req->csrf);
    } else {
        req->csrf = arena_alloc(req->arena, AUTH_TOKEN_LEN);
        auth_csrf_for(basis, (char *)req->csrf);
    }
    render_set(r, req->csrf, "CSRF");

    if (u) {
        render_set_int(r, u->id, "User.id");
        render_set(r, u->username, "User.username");
        render_set(r, u->display_name && *u->display_name ? u->display_name : u->username, "User.name");
        render_set(r, u->role, "User.role");
        const char *perm;
        for (size_t i = 0; (perm = auth_perm_at(i)) != NULL; i++) {
            if (!auth_role_can(u->role, perm)) continue;
            char key[64];
            snprintf(key, sizeof key, "Can.%s", perm);
            for (char *p = key + 4; *p; p++) if (*p == '.') *p = '_';
            render_set(r, "1", "%s", key);
        }
        staff_pending_badges(req, u);
    }
    if (!rt) return 0;                       /* error page: context only */

    if (!(rt->flags & WEB_PUBLIC) && !u) {
        if (strcmp(req->method, "GET") == 0) {
            const char *next = staff_is_safe_next(req->path) ? req->path : "/admin/";
            char *loc = arena_printf(req->arena, "/admin/login?next=%s", next);
            web_redirect(req, loc);
            return WEB_DONE;
        }
        return web_fail(req, 401, "login_required", NULL);
    }
    if (web_is_post(req) && !(rt->flags & WEB_NO_CSRF)) {
        const char *sent = web_form(req, "_csrf");
        if (!basis || !auth_csrf_valid(basis, sent)) return web_fail(req, 403, "csrf", NULL);
    }
    if (rt->perm && !auth_role_can(u ? u->role : NULL, rt->perm))
        return web_fail(req, 403, "forbidden", NULL);
    return 0;
}

