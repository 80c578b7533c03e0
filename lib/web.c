#include "web.h"
#include "log.h"
#include "db.h"
#include "render.h"
#include "utf8.h"
#include <fcgiapp.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PATH_LEN   2048
#define MAX_QUERY_LEN  8192
#define MAX_WORKERS    64

/* Requests that used more memory than this trim the heap afterwards. */
#define BIG_REQUEST_BYTES (1024u * 1024)

/* ---------- request accessors ---------- */

const char *web_query(const web_req_t *r, const char *name) { return kv_value(&r->query, name); }
const char *web_form(const web_req_t *r, const char *name) { return kv_value(&r->form, name); }
const char *web_cookie(const web_req_t *r, const char *name) { return kv_value(&r->cookies, name); }
const char *web_env(const web_req_t *r, const char *cgi_name) { return r->env ? FCGX_GetParam(cgi_name, r->env) : NULL; }

const char *web_param(const web_req_t *r, const char *name)
{
    const char *v = kv_value(&r->form, name);
    return v ? v : kv_value(&r->query, name);
}

const kv_t *web_file(const web_req_t *r, const char *name)
{
    const kv_t *kv = kv_find(&r->form, name);
    return kv && kv->filename ? kv : NULL;
}

int64_t web_id(const char *s)
{
    if (!s || !*s || strlen(s) > 18) return 0;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int64_t web_param_id(const web_req_t *r, int index)
{
    if (index < 0 || index >= r->nparams) return -1;
    int64_t v = web_id(r->params[index]);
    return v > 0 ? v : -1;
}

const char *web_trimmed(web_req_t *r, const char *v)
{
    if (!v) return "";
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n')) n--;
    const char *copy = arena_strndup(r->arena, v, n);
    return copy ? copy : "";
}

const char *web_form_trimmed(web_req_t *r, const char *name)
{
    return web_trimmed(r, web_form(r, name));
}

const char *web_query_given(const web_req_t *r, const char *name)
{
    const char *v = web_query(r, name);
    return v && *v ? v : NULL;
}

int web_is_post(const web_req_t *r) { return strcmp(r->method, "POST") == 0; }

/* ---------- response ---------- */

void web_set_status(web_req_t *r, int status) { r->status = status; }

void web_add_header(web_req_t *r, const char *name, const char *value)
{
    web_header_t *h = arena_alloc(r->arena, sizeof *h);
    if (!h) return;
    h->name = arena_strdup(r->arena, name);
    h->value = arena_strdup(r->arena, value);
    /* Header values come from our code, but never let a CR/LF through. */
    for (char *p = (char *)h->value; p && *p; p++) if (*p == '\r' || *p == '\n') *p = ' ';
    h->next = r->headers;
    r->headers = h;
}

void web_set_cookie(web_req_t *r, const char *name, const char *value, long max_age, int http_only)
{
    int secure = r->is_https || config_int(r->w->cfg, "Web.CookieSecure", 0);
    char *c = arena_printf(r->arena, "%s=%s; Path=/; SameSite=Lax%s%s", name, value,
                           http_only ? "; HttpOnly" : "", secure ? "; Secure" : "");
    if (max_age >= 0) c = arena_printf(r->arena, "%s; Max-Age=%ld", c, max_age);
    web_add_header(r, "Set-Cookie", c);
}

void web_write(web_req_t *r, const char *buf, size_t len)
{
    if (r->out_failed || len == 0) return;
    if (r->out_len + len + 1 > r->out_cap) {
        size_t cap = r->out_cap ? r->out_cap : 16384;
        while (cap < r->out_len + len + 1) cap *= 2;
        char *n = realloc(r->out, cap);
        if (!n) { r->out_failed = 1; return; }
        r->out = n;
        r->out_cap = cap;
    }
    memcpy(r->out + r->out_len, buf, len);
    r->out_len += len;
    r->out[r->out_len] = '\0';
}

void web_sink(void *req, const char *buf, size_t len) { web_write(req, buf, len); }

void web_puts(web_req_t *r, const char *s) { web_write(r, s, strlen(s)); }

void web_printf(web_req_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(r->arena, fmt, ap);
    va_end(ap);
    if (s) web_puts(r, s);
}

void web_reset_body(web_req_t *r) { r->out_len = 0; if (r->out) r->out[0] = '\0'; }

int web_redirect(web_req_t *r, const char *location)
{
    r->status = 303;
    web_add_header(r, "Location", location);
    web_reset_body(r);
    return 0;
}

int web_fail(web_req_t *r, int status, const char *code, const char *detail)
{
    r->error_code = code;
    r->error_detail = detail;
    return status;
}

const char *web_status_text(int s)
{
    switch (s) {
    case 200: return "OK";            case 201: return "Created";
    case 204: return "No Content";    case 302: return "Found";
    case 303: return "See Other";     case 304: return "Not Modified";
    case 400: return "Bad Request";   case 401: return "Unauthorized";
    case 403: return "Forbidden";     case 404: return "Not Found";
    case 405: return "Method Not Allowed"; case 409: return "Conflict";
    case 413: return "Content Too Large";  case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content"; case 429: return "Too Many Requests";
    case 500: return "Internal Server Error"; case 503: return "Service Unavailable";
    default:  return "Status";
    }
}

/* ---------- routing ---------- */

int web_route_match(const char *pattern, const char *path, const char **caps, int maxcaps, arena_t *a)
{
    int n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            const char *e = s;
            while (*e && *e != '/') e++;
            if (e == s || n >= maxcaps) return -1;
            caps[n++] = arena_strndup(a, s, (size_t)(e - s));
            p += 2;
            s = e;
        } else if (*p == *s) {
            p++; s++;
        } else {
            return -1;
        }
    }
    return (*p == '\0' && *s == '\0') ? n : -1;
}

/* ---------- request parsing ---------- */

static int parse_length(const char *s, size_t *out)
{
    size_t v = 0;
    if (!s || !*s) { *out = 0; return 0; }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        if (v > (SIZE_MAX - 9) / 10) return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static int form_status_to_http(int rc) { return rc == FORM_ERR_LIMIT ? 413 : rc == FORM_ERR_NOMEM ? 500 : 400; }

static int read_request(web_req_t *r, FCGX_Request *fr)
{
    FCGX_ParamArray env = fr->envp;
    r->env = env;
    r->method = FCGX_GetParam("REQUEST_METHOD", env);
    if (!r->method) r->method = "GET";
    if (!strcmp(r->method, "HEAD")) { r->is_head = 1; r->method = "GET"; }

    const char *uri = FCGX_GetParam("DOCUMENT_URI", env);
    if (!uri) {
        const char *ru = FCGX_GetParam("REQUEST_URI", env);
        uri = ru ? arena_strndup(r->arena, ru, strcspn(ru, "?")) : "/";
    }
    if (!uri || uri[0] != '/' || strlen(uri) > MAX_PATH_LEN)
        return web_fail(r, 400, "bad_path", NULL);
    r->path = uri;
    r->query_string = FCGX_GetParam("QUERY_STRING", env);
    r->content_type = FCGX_GetParam("CONTENT_TYPE", env);
    r->remote_addr = FCGX_GetParam("REMOTE_ADDR", env);
    if (!r->remote_addr) r->remote_addr = "";
    r->user_agent = FCGX_GetParam("HTTP_USER_AGENT", env);
    r->accept_language = FCGX_GetParam("HTTP_ACCEPT_LANGUAGE", env);
    r->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
    r->host = FCGX_GetParam("HTTP_HOST", env);
    const char *https = FCGX_GetParam("HTTPS", env);
    r->is_https = https && *https && strcasecmp(https, "off") != 0;

    if (r->query_string && *r->query_string) {
        size_t ql = strlen(r->query_string);
        if (ql > MAX_QUERY_LEN) return web_fail(r, 413, "query_too_long", NULL);
        int rc = form_parse_urlencoded(r->arena, r->query_string, ql, &form_default_limits, &r->query);
        if (rc) return web_fail(r, form_status_to_http(rc), "bad_query", NULL);
    }
    int rc = form_parse_cookies(r->arena, FCGX_GetParam("HTTP_COOKIE", env), &form_default_limits, &r->cookies);
    if (rc) return web_fail(r, form_status_to_http(rc), "bad_cookie", NULL);

    size_t clen;
    if (parse_length(FCGX_GetParam("CONTENT_LENGTH", env), &clen))
        return web_fail(r, 400, "bad_length", NULL);
    if (clen == 0) return 0;

    int multipart = r->content_type && strncasecmp(r->content_type, "multipart/form-data", 19) == 0;
    size_t limit = multipart ? r->w->max_upload : r->w->max_body;
    if (clen > limit) return web_fail(r, 413, "body_too_large", NULL);

    char *body = arena_alloc(r->arena, clen + 1);
    if (!body) return web_fail(r, 500, "no_memory", NULL);
    size_t got = 0;
    while (got < clen) {
        int n = FCGX_GetStr(body + got, (int)(clen - got), fr->in);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got != clen) return web_fail(r, 400, "short_body", NULL);
    body[clen] = '\0';
    r->body = body;
    r->body_len = clen;

    if (multipart) {
        form_limits_t lim = form_default_limits;
        lim.max_file = r->w->max_upload;
        rc = form_parse_multipart(r->arena, body, clen, r->content_type, &lim, &r->form);
        if (rc) return web_fail(r, form_status_to_http(rc), "bad_multipart", NULL);
    } else if (r->content_type && strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) == 0) {
        rc = form_parse_urlencoded(r->arena, body, clen, &form_default_limits, &r->form);
        if (rc) return web_fail(r, form_status_to_http(rc), "bad_form", NULL);
    }
    return 0;
}

/* Every text value must be UTF-8: checked once here, so no handler and
 * no database write ever meets a broken sequence.  File parts are bytes. */
static int check_text(web_req_t *r)
{
    const kvlist_t *lists[] = { &r->query, &r->form, &r->cookies };
    for (int i = 0; i < 3; i++)
        for (const kv_t *kv = lists[i]->head; kv; kv = kv->next) {
            if (!utf8_valid(kv->name, strlen(kv->name))) return web_fail(r, 400, "bad_encoding", NULL);
            if (!kv->filename && !utf8_valid(kv->value, kv->len)) return web_fail(r, 400, "bad_encoding", NULL);
        }
    return 0;
}

static int dispatch(web_req_t *r)
{
    const web_app_t *app = r->w->app;
    int path_matched = 0;
    for (const web_route_t *rt = app->routes; rt->method; rt++) {
        const char *caps[8];
        int n = web_route_match(rt->pattern, r->path, caps, 8, r->arena);
        if (n < 0) continue;
        path_matched = 1;
        if (strcmp(rt->method, r->method) != 0) continue;
        memcpy(r->params, caps, sizeof(caps[0]) * (size_t)n);
        r->nparams = n;
        r->route = rt;
        int rc = app->before ? app->before(r, rt) : 0;
        if (rc) return rc;
        return rt->fn(r);
    }
    if (path_matched) {
        /* Same path, other method: say which methods exist. */
        char allow[64] = "";
        for (const web_route_t *rt = app->routes; rt->method; rt++) {
            const char *caps[8];
            if (web_route_match(rt->pattern, r->path, caps, 8, r->arena) < 0) continue;
            if (strstr(allow, rt->method)) continue;
            if (*allow) strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
            strncat(allow, rt->method, sizeof allow - strlen(allow) - 1);
        }
        web_add_header(r, "Allow", allow);
        /* Still run the hook so the error page knows the user and language. */
        if (app->before) app->before(r, NULL);
        return web_fail(r, 405, "method_not_allowed", NULL);
    }
    if (app->before) app->before(r, NULL);
    return web_fail(r, 404, "not_found", NULL);
}

/* Writes all of buf as FastCGI STDOUT records straight to the connection.
 * libfcgi's own stream flushes every 8 KB, which costs a dozen system
 * calls for a large page; here a whole response goes out in one writev. */
static int write_records(FCGX_Request *fr, const char *buf, size_t len)
{
    enum { MAX_RECORD = 65528, MAX_IOV = 64 };
    unsigned char heads[MAX_IOV / 2][8];
    struct iovec iov[MAX_IOV];
    while (len > 0) {
        int n = 0;
        while (len > 0 && n + 2 <= MAX_IOV) {
            size_t chunk = len > MAX_RECORD ? MAX_RECORD : len;
            unsigned char *h = heads[n / 2];
            h[0] = 1;                                   /* FCGI_VERSION_1 */
            h[1] = 6;                                   /* FCGI_STDOUT */
            h[2] = (unsigned char)(fr->requestId >> 8);
            h[3] = (unsigned char)fr->requestId;
            h[4] = (unsigned char)(chunk >> 8);
            h[5] = (unsigned char)chunk;
            h[6] = 0;                                   /* no padding */
            h[7] = 0;
            iov[n++] = (struct iovec){ h, 8 };
            iov[n++] = (struct iovec){ (void *)buf, chunk };
            buf += chunk;
            len -= chunk;
        }
        int first = 0;
        while (first < n) {
            ssize_t w = writev(fr->ipcFd, iov + first, n - first);
            if (w < 0) { if (errno == EINTR) continue; return -1; }
            while (first < n && (size_t)w >= iov[first].iov_len) w -= (ssize_t)iov[first++].iov_len;
            if (first < n) {
                iov[first].iov_base = (char *)iov[first].iov_base + w;
                iov[first].iov_len -= (size_t)w;
            }
        }
    }
    return 0;
}

/* The response head: status, the handler's headers, Content-Type when
 * it set none, and Content-Length unless the body is streamed. */
static size_t response_head(const web_req_t *r, char *head, size_t cap, int streamed)
{
    size_t hn = (size_t)snprintf(head, cap, "Status: %d %s\r\n", r->status, web_status_text(r->status));
    int has_ctype = 0;
    for (web_header_t *h = r->headers; h; h = h->next) {
        if (!strcasecmp(h->name, "Content-Type")) has_ctype = 1;
        int n = snprintf(head + hn, cap - hn, "%s: %s\r\n", h->name, h->value);
        if (n < 0 || (size_t)n >= cap - hn) break;    /* headers are ours and small */
        hn += (size_t)n;
    }
    int n = streamed ? snprintf(head + hn, cap - hn, "\r\n")
                     : snprintf(head + hn, cap - hn, "%sContent-Length: %zu\r\n\r\n",
                                has_ctype ? "" : "Content-Type: text/html; charset=utf-8\r\n", r->out_len);
    if (n > 0 && (size_t)n < cap - hn) hn += (size_t)n;
    return hn;
}

static void send_response(web_req_t *r, FCGX_Request *fr)
{
    /* The head goes in front of the body in the same buffer, so the whole
     * response is one contiguous run of bytes. */
    char head[4096];
    size_t hn = response_head(r, head, sizeof head, 0);
    size_t body = r->is_head ? 0 : r->out_len;
    if (write_records(fr, head, hn) != 0 || (body && write_records(fr, r->out, body) != 0))
        log_warn("client went away while the response was written");
}

int web_stream_begin(web_req_t *r, const char *content_type)
{
    if (r->streaming) return 0;
    web_add_header(r, "Content-Type", content_type);
    /* Said once: the common headers may have said it already. */
    int no_store = 0;
    for (const web_header_t *h = r->headers; h; h = h->next)
        if (!strcasecmp(h->name, "Cache-Control") && !strcmp(h->value, "no-store")) no_store = 1;
    if (!no_store) web_add_header(r, "Cache-Control", "no-store");
    web_add_header(r, "X-Accel-Buffering", "no");
    r->streaming = 1;
    char head[4096];
    size_t hn = response_head(r, head, sizeof head, 1);
    if (write_records(r->fcgi, head, hn) != 0) return r->stream_failed = 1, -1;
    return 0;
}

int web_stream_write(web_req_t *r, const char *buf, size_t len)
{
    if (!r->streaming || r->stream_failed) return -1;
    if (r->is_head || len == 0) return 0;
    if (write_records(r->fcgi, buf, len) != 0) return r->stream_failed = 1, -1;
    return 0;
}

int web_client_fd(const web_req_t *r)
{
    const FCGX_Request *fr = r->fcgi;
    return fr ? fr->ipcFd : -1;
}

static void handle(web_worker_t *w, FCGX_Request *fr, char **outbuf, size_t *outcap)
{
    web_req_t req;
    memset(&req, 0, sizeof req);
    req.w = w;
    req.arena = w->arena;
    req.status = 200;
    req.out = *outbuf;
    req.out_cap = *outcap;
    req.lang = "en";
    req.fcgi = fr;

    int rc = read_request(&req, fr);
    if (rc == 0) rc = check_text(&req);
    if (rc == 0) rc = dispatch(&req);
    if (req.out_failed && rc == 0) rc = web_fail(&req, 500, "no_memory", NULL);
    if (req.streaming) {
        /* The head and the body went out as the handler wrote them. */
        if (rc >= 400) {
            if (w->db) db_rollback(w->db);
            log_warn("%s %s: failed (%d) after its streamed answer began", req.method, req.path, rc);
        }
    } else if (rc >= 400) {
        if (w->db) db_rollback(w->db);
        req.status = rc;
        web_reset_body(&req);
        req.out_failed = 0;
        if (w->app->error) w->app->error(&req, rc);
        else web_printf(&req, "%d %s\n", rc, web_status_text(rc));
    }
    if (!req.streaming) send_response(&req, fr);
    *outbuf = req.out;
    *outcap = req.out_cap;
    if (w->render) render_reset(w->render);
}

/* ---------- process model ---------- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) { (void)sig; stop_requested = 1; }

static void worker_loop(web_worker_t *w, int listen_fd)
{
    FCGX_Request fr;
    if (FCGX_InitRequest(&fr, listen_fd, 0) != 0) { log_error("FCGX_InitRequest failed"); _exit(1); }
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    /* Idle in accept: a TERM just ends the worker.  While serving a
     * request TERM is held back, so a request is never cut in half. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    char *out = NULL;
    size_t cap = 0;
    for (;;) {
        if (FCGX_Accept_r(&fr) < 0) { if (errno == EINTR) continue; break; }
        sigprocmask(SIG_BLOCK, &term, &old);
        handle(w, &fr, &out, &cap);
        FCGX_Finish_r(&fr);
        /* A huge page (a long statement, an export) must not leave the
         * worker fat for the rest of its life: drop the big buffer and,
         * since glibc keeps freed heap for reuse, give the memory back. */
        int was_big = arena_used(w->arena) > BIG_REQUEST_BYTES || cap > BIG_REQUEST_BYTES;
        if (cap > BIG_REQUEST_BYTES) { free(out); out = NULL; cap = 0; }
        arena_reset(w->arena);
        if (was_big) malloc_trim(0);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    free(out);
}

static pid_t spawn_worker(const web_app_t *app, config_t *cfg, int fd, web_shared_t *shared)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    web_worker_t w = { .app = app, .cfg = cfg, .shared = shared };
    w.arena = arena_new(64 * 1024);
    w.max_body = (size_t)config_int(cfg, "Web.MaxBody", 1 << 20);
    w.max_upload = (size_t)config_int(cfg, "Web.MaxUpload", 8 << 20);
    if (!w.arena || (app->worker_init && app->worker_init(&w) != 0)) {
        log_error("worker set-up failed");
        _exit(1);
    }
    worker_loop(&w, fd);
    _exit(0);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s -c CONFIG [-s SOCKET] [-n WORKERS] [-m MODE] | --routes\n"
                    "  without -s the listening socket is taken from fd 0 (spawn-fcgi)\n", prog);
}

int web_main(const web_app_t *app, int argc, char **argv)
{
    const char *cfg_path = NULL, *sock = NULL;
    int nworkers = 2, opt;
    /* --routes prints the route table (the API's OpenAPI test reads it). */
    if (argc == 2 && !strcmp(argv[1], "--routes")) {
        for (const web_route_t *rt = app->routes; rt->method; rt++) printf("%s %s\n", rt->method, rt->pattern);
        return 0;
    }
    mode_t mode = 0660;
    while ((opt = getopt(argc, argv, "c:s:n:m:h")) != -1) {
        switch (opt) {
        case 'c': cfg_path = optarg; break;
        case 's': sock = optarg; break;
        case 'n': nworkers = atoi(optarg); break;
        case 'm': mode = (mode_t)strtol(optarg, NULL, 8); break;
        default: usage(argv[0]); return 2;
        }
    }
    if (nworkers < 1 || nworkers > MAX_WORKERS) { usage(argv[0]); return 2; }
    char err[512];
    config_t *cfg = config_load(cfg_path, err, sizeof err);
    if (!cfg) { fprintf(stderr, "%s: %s\n", app->name, err); return 1; }
    log_init(app->name, config_get(cfg, "Log.Level", "info"));
    if (FCGX_Init() != 0) { log_error("FCGX_Init failed"); return 1; }

    int fd = 0;
    if (sock) {
        unlink(sock);
        fd = FCGX_OpenSocket(sock, 256);
        if (fd < 0) { log_error("cannot listen on %s", sock); return 1; }
        /* nginx workers usually run as another user: the mode is set on purpose. */
        if (chmod(sock, mode) != 0) { log_error("chmod %s failed", sock); return 1; }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    web_shared_t *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { log_error("mmap failed"); return 1; }
    memset(shared, 0, sizeof *shared);

    pid_t pids[MAX_WORKERS];
    time_t started[MAX_WORKERS];
    for (int i = 0; i < nworkers; i++) {
        pids[i] = spawn_worker(app, cfg, fd, shared);
        started[i] = time(NULL);
    }
    log_info("listening on %s with %d workers", sock ? sock : "fd 0", nworkers);

    while (!stop_requested) {
        int status;
        pid_t dead = waitpid(-1, &status, 0);
        if (dead < 0) { if (errno == EINTR) continue; break; }
        for (int i = 0; i < nworkers; i++) {
            if (pids[i] != dead) continue;
            if (stop_requested) break;
            log_warn("worker %d ended (status %d); starting another", (int)dead, status);
            /* A worker that dies straight after start would spin; slow it down. */
            if (time(NULL) - started[i] < 1) sleep(1);
            pids[i] = spawn_worker(app, cfg, fd, shared);
            started[i] = time(NULL);
        }
    }
    for (int i = 0; i < nworkers; i++) kill(pids[i], SIGTERM);
    for (int i = 0; i < nworkers; i++) waitpid(pids[i], NULL, 0);
    if (sock) unlink(sock);
    log_info("stopped");
    config_free(cfg);
    return 0;
}
