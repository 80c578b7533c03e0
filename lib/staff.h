/* The request gate for programs used by logged-in staff (back office,
 * mailroom desk): session, CSRF on every state-changing request, role
 * permission, and the common dataset (User.*, CSRF, Can.*). */
#ifndef SR_STAFF_H
#define SR_STAFF_H
#include "web.h"
#include "auth.h"
#include "audit.h"
#include "fragcache.h"
#include "notice.h"

/* Per-worker state of a staff program: its session cache, its cache of
 * rendered fragments and its notice templates (lib/notice).
 * staff_worker_init is a web_app_t worker_init. */
typedef struct staff_worker {
    auth_cache_t *sessions;
    fragcache_t *fragments;
    /* The dashboard's cell counts of a site under its inventory version
     * (every cell change moves it): "<total> <free> <occupied> <reserved>
     * <out of service>". */
    fragcache_t *site_counts;
    notice_t *notices;
    /* The last pending-enrollments and unacknowledged-alarms counts
     * shown, reused for a few seconds (the badges poll for fresh numbers
     * anyway). */
    struct { int64_t user_id, count, alarms, outbox, until_ms; } badge;
} staff_worker_t;

int  staff_worker_init(web_worker_t *w);
auth_cache_t *staff_cache(const web_req_t *req);
/* The worker's notices, for the messages a staff action causes. */
notice_t *staff_notices(const web_req_t *req);

/* A web_app_t before hook: anonymous users of a non-public page go to
 * /admin/login?next=<page>. */
int  staff_before(web_req_t *req, const web_route_t *route);
const auth_user_t *staff_user(const web_req_t *req);
/* The audit actor for the logged-in user of this request. */
audit_actor_t staff_actor(const web_req_t *req);
/* Checks a site id from the request against the user's scope: 0 when
 * visible, else 404 (never 403: another site's ids are not confirmed). */
int  staff_check_site(web_req_t *req, int64_t site_id);

/* True for a local back-office path, safe to redirect to after log-in. */
int  staff_is_safe_next(const char *next);

#endif
