/* What every HTML program shares: worker set-up (database, templates),
 * language choice, the common dataset and the error page. */
#ifndef SR_PAGE_H
#define SR_PAGE_H
#include "web.h"
#include "render.h"
#include "db.h"

int  page_worker_init(web_worker_t *w);
/* Language, Page.* basics and security headers; call first in a before hook. */
void page_prepare(web_req_t *req);
/* A before hook for public screens: language and headers only. */
int  page_before_public(web_req_t *req, const web_route_t *route);
/* Renders templates/layout/error.cs for status (a web_app_t error hook). */
void page_error(web_req_t *req, int status);
/* Renders a template with the common headers; returns 0 or 500. */
int  page_render(web_req_t *req, const char *tmpl);
/* Database failure to HTTP status: 503 when the server is away, else 500. */
int  page_db_fail(web_req_t *req, int db_rc);

static inline render_t *page_r(web_req_t *req) { return req->w->render; }
static inline db_t *page_db(web_req_t *req) { return req->w->db; }

#endif
