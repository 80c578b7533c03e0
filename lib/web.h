/* The FastCGI side of every program: a supervised prefork pool, request
 * parsing with hard limits, routing, and a buffered response.
 *
 * A program describes itself with a web_app_t (its routes and hooks) and
 * hands control to web_main().  Each worker process serves one request at
 * a time; everything allocated for a request lives in req->arena. */
#ifndef SR_WEB_H
#define SR_WEB_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "form.h"
#include "config.h"

typedef struct web_req web_req_t;
typedef struct web_worker web_worker_t;

/* A handler returns 0 when it has produced the response, or an HTTP
 * status >= 400 to have the program's error page rendered for it (set
 * req->error_code / req->error_detail first to say more). */
typedef int (*web_handler_fn)(web_req_t *req);

/* A before hook returns this when it has produced the response itself
 * (a redirect to the log-in page, say). */
#define WEB_DONE 1

/* Route flags. */
enum {
    WEB_PUBLIC   = 1 << 0,  /* no login / key needed */
    WEB_NO_CSRF  = 1 << 1,  /* state-changing route that checks its own proof (API bearer keys) */
};

typedef struct web_route {
    const char *method;     /* "GET", "POST", "DELETE"; GET also answers HEAD */
    const char *pattern;    /* "/admin/sites/{}/banks": {} captures one path segment */
    web_handler_fn fn;
    unsigned flags;
    const char *perm;       /* permission the route needs (see auth.h); NULL = none beyond login */
} web_route_t;

typedef struct web_app {
    const char *name;                        /* program name; also picks DB.Accounts.<name> */
    const web_route_t *routes;               /* terminated by a {NULL} entry */
    int  (*worker_init)(web_worker_t *w);    /* once per worker after fork */
    /* Runs after routing, before the handler: authentication, CSRF,
     * permissions.  Returns 0 to go on or an HTTP status to stop with. */
    int  (*before)(web_req_t *req, const web_route_t *route);
    /* Renders an error response (HTML page or problem document). */
    void (*error)(web_req_t *req, int status);
} web_app_t;

struct db;
struct render;

/* A little memory shared by all workers of one program (set up by the
 * master before it forks): counters that tell every worker at once that
 * something it caches has changed. */
typedef struct web_shared {
    uint64_t auth_generation;     /* bumped whenever sessions end; see auth.h */
} web_shared_t;

struct web_worker {
    const web_app_t *app;
    web_shared_t *shared;
    config_t *cfg;
    struct db *db;
    struct render *render;
    arena_t *arena;
    size_t max_body, max_upload;
    void *app_data;                          /* the program's own per-worker state */
};

typedef struct web_header {
    const char *name, *value;
    struct web_header *next;
} web_header_t;

struct web_req {
    web_worker_t *w;
    arena_t *arena;
    const char *method, *path, *query_string, *content_type, *remote_addr;
    const char *user_agent, *accept_language, *authorization, *host;
    int is_head, is_https;
    kvlist_t query, form, cookies;
    const char *body;              /* raw body (JSON API); NUL-terminated */
    size_t body_len;
    const char *params[8];         /* {} captures from the route pattern */
    int nparams;
    const web_route_t *route;

    /* response */
    int status;
    web_header_t *headers;
    char *out;                     /* body buffer (owned by the worker, reused) */
    size_t out_len, out_cap;
    int out_failed;
    void *fcgi;                    /* the FCGX_Request, for streamed answers */
    int streaming, stream_failed;

    /* for the error page */
    const char *error_code;        /* stable machine code, e.g. "not_found" */
    const char *error_detail;      /* human text, already translated */
    const char *error_field;       /* the input field at fault, if any */

    /* filled by the program's before hook */
    void *user;                    /* struct auth_user * for staff, api key for API */
    const char *lang;
    const char *csrf;

    char **env;                    /* the FastCGI parameters: request headers the fields above do not carry */
};

int  web_main(const web_app_t *app, int argc, char **argv);

/* request */
const char *web_param(const web_req_t *r, const char *name);   /* form first, then query */
const char *web_query(const web_req_t *r, const char *name);
const char *web_form(const web_req_t *r, const char *name);
const char *web_cookie(const web_req_t *r, const char *name);
/* A request header by its CGI name ("HTTP_IDEMPOTENCY_KEY"), or NULL. */
const char *web_env(const web_req_t *r, const char *cgi_name);
const kv_t *web_file(const web_req_t *r, const char *name);
int64_t     web_param_id(const web_req_t *r, int index);       /* route capture as a positive id, or -1 */
/* A form value without surrounding blanks (spaces, tabs, line breaks),
 * "" when absent; never NULL.  Copied into the request's arena. */
const char *web_form_trimmed(web_req_t *r, const char *name);
/* Any text (a JSON member, say) trimmed the same way; "" for NULL. */
const char *web_trimmed(web_req_t *r, const char *text);
const char *web_query_given(const web_req_t *r, const char *name);  /* a query value, NULL when absent or empty */
/* Pure: text as a positive id (1 to 18 digits, nothing else), or 0: the
 * one reading of every id a form, query or route carries. */
int64_t     web_id(const char *s);
int         web_is_post(const web_req_t *r);

/* response */
void web_set_status(web_req_t *r, int status);
void web_add_header(web_req_t *r, const char *name, const char *value);
void web_set_cookie(web_req_t *r, const char *name, const char *value, long max_age, int http_only);
void web_write(web_req_t *r, const char *buf, size_t len);
void web_puts(web_req_t *r, const char *s);
/* web_write with an untyped request: a sink for writers such as lib/csv. */
void web_sink(void *req, const char *buf, size_t len);
void web_printf(web_req_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void web_reset_body(web_req_t *r);
/* A streamed answer (live progress): web_stream_begin sends the head now,
 * status and headers as set so far plus the content type, no-store and
 * X-Accel-Buffering: no (nginx passes each part on at once); each
 * web_stream_write goes out as it comes.  The handler's return value and
 * buffered body are then ignored.  0, or -1 once the client is gone. */
int  web_stream_begin(web_req_t *r, const char *content_type);
int  web_stream_write(web_req_t *r, const char *buf, size_t len);
/* The connection the request came on (nginx's to us), for a handler that
 * waits on something else meanwhile: nginx closes it when the browser
 * goes away, so its hang-up (POLLRDHUP) says nobody waits for the answer
 * any more.  -1 outside a FastCGI request. */
int  web_client_fd(const web_req_t *r);
int  web_redirect(web_req_t *r, const char *location);        /* 303 See Other; returns 0 */
int  web_fail(web_req_t *r, int status, const char *code, const char *detail); /* sets error fields, returns status */

/* Pure helpers, exposed for unit tests. */
int  web_route_match(const char *pattern, const char *path, const char **caps, int maxcaps, arena_t *a);
const char *web_status_text(int status);

#endif
