/* The socket side of fingerd (docs/fingerd.md §4): one JSON object per
 * line each way.  A connection's next request is read once its current
 * one has its final line; status, cancel and match are answered at once,
 * a reader operation goes to the reader thread if the reader is free and
 * is answered busy otherwise.
 *
 * A client that hangs up (POLLHUP: the peer closed its socket) cancels its
 * operation.  A client that only shuts down its writing side (read gives
 * end of file) still gets the rest of its lines. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fingerd.h"
#include "linesock.h"
#include "log.h"

#define MAX_CLIENTS 64
#define IN_CAP (FPP_LINE_MAX + 1)          /* a longest line and its newline */
#define OUT_MAX (1 << 20)                  /* a client this far behind is dropped */
#define STOP_WAIT_MS 20000                 /* for the operation in hand at a stop */

typedef struct client {
    int fd;
    uint64_t serial;
    char *in;
    size_t inlen;
    int discarding;                        /* skipping the rest of an over-long line */
    int eof;                               /* the peer sends no more */
    int in_op;                             /* its operation has no final line yet */
    int has_id;
    char id[FPP_ID_MAX + 1];               /* of that operation */
    char *out;
    size_t outlen, outcap;
    int dead;
} client_t;

typedef struct front {
    const fd_settings_t *s;
    fd_reader_t *reader;
    client_t clients[MAX_CLIENTS];
    uint64_t next_serial, next_job;
    struct {
        uint64_t job, client;              /* job 0: the reader is free */
        enum fpp_op op;
        int cancelled, stopping;
    } cur;
    fd_matches_t matches;
    int stopping, reader_gone;
} front_t;

/* ---------------------------------------------------------------- output */

static void send_line(client_t *c, json_t *line, int has_id, const char *id)
{
    if (!line) return;
    if (has_id) json_object_set_new(line, "id", json_string(id));
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (!text || c->dead) { free(text); return; }
    size_t n = strlen(text);
    if (c->outlen + n + 1 > OUT_MAX) {
        log_warn("a client reads nothing back: dropped");
        c->dead = 1;
        free(text);
        return;
    }
    if (linesock_queue_line(&c->out, &c->outlen, &c->outcap, text, n) != 0) c->dead = 1;
    free(text);
}

static void reply(client_t *c, const fpp_request_t *req, json_t *line)
{
    send_line(c, line, req->has_id, req->id);
}

static void reply_error(client_t *c, const fpp_request_t *req, const char *code, const char *message)
{
    reply(c, req, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", code, "message", message));
}

static void flush(client_t *c)
{
    while (c->outlen && !c->dead) {
        ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
        if (w > 0) {
            memmove(c->out, c->out + w, c->outlen - (size_t)w);
            c->outlen -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        } else {
            c->dead = 1;
        }
    }
}

/* ---------------------------------------------------------------- requests */

static client_t *client_by_serial(front_t *f, uint64_t serial)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (f->clients[i].fd >= 0 && f->clients[i].serial == serial) return &f->clients[i];
    return NULL;
}

static json_t *status_line(front_t *f)
{
    fd_reader_status_t st;
    fd_reader_status(f->reader, &st);
    const char *state = f->cur.job ? "busy" : st.open ? "idle" : "no_device";
    json_t *device = st.open ? json_pack("{s:s,s:s,s:s,s:i}", "id", st.id, "driver", st.driver, "name", st.name,
                                         "enroll_stages", st.stages)
                             : json_null();
    return json_pack("{s:b,s:s,s:I,s:s,s:o,s:o,s:{s:i,s:i}}", "ok", 1, "reader", f->s->reader, "site",
                     (json_int_t)f->s->site, "state", state, "busy_with",
                     f->cur.job ? json_string(fpp_op_name(f->cur.op)) : json_null(), "device", device, "gallery",
                     "prints", st.prints, "customers", st.customers);
}

static void do_match(front_t *f, client_t *c, const fpp_request_t *req)
{
    double ttl = f->s->match_ttl_s * 1000.0, now = fd_now_ms();
    const fd_match_t *m = fd_matches_get(&f->matches, req->match_id, now, ttl);
    if (!m) {
        reply_error(c, req, "unknown_match", "no such match: it was never made or is older than Fingerd.MatchTtlSec");
        return;
    }
    reply(c, req, json_pack("{s:b,s:s,s:I,s:I,s:s,s:I,s:s,s:I}", "ok", 1, "match_id", m->id, "customer",
                            (json_int_t)m->customer, "site", (json_int_t)m->site, "finger",
                            fpp_finger_name(m->finger), "template_id", (json_int_t)m->template_id, "kind",
                            fpp_op_name(m->kind), "age_ms", (json_int_t)(now - m->made_ms)));
}

static void do_cancel(front_t *f, client_t *c, const fpp_request_t *req)
{
    int running = f->cur.job != 0;
    if (running && !f->cur.cancelled) {
        f->cur.cancelled = 1;
        fd_reader_cancel(f->reader, f->cur.job, 0);
        log_info("%s cancelled by a client", fpp_op_name(f->cur.op));
    }
    reply(c, req, json_pack("{s:b,s:b}", "ok", 1, "cancelled", running));
}

static void do_operation(front_t *f, client_t *c, const fpp_request_t *req)
{
    if (f->stopping) { reply_error(c, req, "busy", "fingerd is stopping"); return; }
    if (f->cur.job) {
        char msg[96];
        snprintf(msg, sizeof msg, "the reader is busy with %s; try again when it is done", fpp_op_name(f->cur.op));
        reply_error(c, req, "busy", msg);
        return;
    }
    f->cur.job = ++f->next_job;
    f->cur.client = c->serial;
    f->cur.op = req->op;
    f->cur.cancelled = f->cur.stopping = 0;
    c->in_op = 1;
    c->has_id = req->has_id;
    memcpy(c->id, req->id, sizeof c->id);
    fd_reader_run(f->reader, f->cur.job, req->op, req->customer, req->finger);
}

static void handle_line(front_t *f, client_t *c, const char *line, size_t len)
{
    fpp_request_t req;
    char err[256];
    if (fpp_parse(line, len, &req, err, sizeof err) != 0) {
        reply_error(c, &req, "bad_request", err);
        return;
    }
    switch (req.op) {
    case FPP_STATUS: reply(c, &req, status_line(f)); break;
    case FPP_MATCH: do_match(f, c, &req); break;
    case FPP_CANCEL: do_cancel(f, c, &req); break;
    default: do_operation(f, c, &req); break;
    }
}

static void too_long(client_t *c)
{
    fpp_request_t none = { .has_id = 0 };
    reply_error(c, &none, "bad_request", "a request line is at most 65536 bytes");
}

/* Handles the complete lines waiting, up to the first that starts an
 * operation.  An over-long line is answered and skipped to its newline. */
static void pump(front_t *f, client_t *c)
{
    while (!c->in_op && !c->dead) {
        char *nl = memchr(c->in, '\n', c->inlen);
        if (c->discarding) {
            c->inlen = nl ? c->inlen - (size_t)(nl + 1 - c->in) : 0;
            if (nl) memmove(c->in, nl + 1, c->inlen);
            if (!nl) return;
            c->discarding = 0;
            continue;
        }
        if (!nl) {
            if (c->inlen == IN_CAP) {
                too_long(c);
                c->discarding = 1;
                c->inlen = 0;
            }
            return;
        }
        size_t len = (size_t)(nl - c->in);
        if (len > FPP_LINE_MAX) too_long(c);
        else if (len > 0) handle_line(f, c, c->in, len);
        c->inlen -= len + 1;
        memmove(c->in, nl + 1, c->inlen);
    }
}

static void read_client(client_t *c)
{
    if (c->inlen == IN_CAP) return;
    ssize_t r = recv(c->fd, c->in + c->inlen, IN_CAP - c->inlen, 0);
    if (r > 0) c->inlen += (size_t)r;
    else if (r == 0) c->eof = 1;
    else if (errno != EAGAIN && errno != EINTR) c->dead = 1;
}

/* ---------------------------------------------------------------- clients */

static void accept_clients(front_t *f, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        client_t *c = NULL;
        for (int i = 0; i < MAX_CLIENTS && !c; i++) if (f->clients[i].fd < 0) c = &f->clients[i];
        char *in = c ? malloc(IN_CAP) : NULL;
        if (!in) {
            static const char full[] = "{\"ok\":false,\"error\":\"busy\",\"message\":\"too many connections\"}\n";
            if (send(fd, full, sizeof full - 1, MSG_NOSIGNAL) < 0) { /* it is being closed anyway */ }
            close(fd);
            continue;
        }
        *c = (client_t){ .fd = fd, .serial = ++f->next_serial, .in = in };
    }
}

static void drop_client(front_t *f, client_t *c)
{
    if (c->in_op && f->cur.job && f->cur.client == c->serial && !f->cur.cancelled) {
        /* Nobody is waiting for the finger any more. */
        f->cur.cancelled = 1;
        fd_reader_cancel(f->reader, f->cur.job, 0);
        log_info("%s cancelled: its client hung up", fpp_op_name(f->cur.op));
    }
    close(c->fd);
    free(c->in);
    free(c->out);
    *c = (client_t){ .fd = -1 };
}

/* ---------------------------------------------------------------- the reader's lines */

static void deliver(front_t *f, fd_event_t *e)
{
    if (e->stopped) { f->reader_gone = 1; return; }
    if (!f->cur.job || e->job != f->cur.job) return;     /* an operation already answered */
    client_t *c = client_by_serial(f, f->cur.client);
    if (!e->final) {
        if (c && !f->cur.cancelled) { send_line(c, e->line, c->has_id, c->id); e->line = NULL; }
        return;
    }
    json_t *line = e->line;
    e->line = NULL;
    if (f->cur.cancelled && json_is_true(json_object_get(line, "ok"))) {
        /* Cancel said yes: what the reader finished meanwhile is not used. */
        json_decref(line);
        line = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "cancelled", "message", "the operation was cancelled");
    } else if (e->matched) {
        fd_matches_put(&f->matches, &e->match, fd_now_ms(), f->s->match_ttl_s * 1000.0);
    }
    f->cur.job = 0;
    if (!c) { json_decref(line); return; }
    send_line(c, line, c->has_id, c->id);
    c->in_op = 0;
    pump(f, c);
}

static void take_events(front_t *f)
{
    fd_event_t *e = fd_reader_take_events(f->reader);
    while (e) {
        fd_event_t *next = e->next;
        deliver(f, e);
        fd_event_free(e);
        e = next;
    }
}

/* ---------------------------------------------------------------- the loop */

static void on_signals(front_t *f, int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            log_info("SIGHUP: the gallery is read again at the next identify; other settings need a restart");
            fd_reader_forget_gallery(f->reader);
        } else if (!f->stopping) {
            f->stopping = 1;
            log_info("stopping%s", f->cur.job ? ": the operation in hand is cancelled first" : "");
            if (f->cur.job) fd_reader_cancel(f->reader, f->cur.job, 1);
        }
    }
}

int fd_front_serve(const fd_settings_t *s, fd_reader_t *reader, int lfd, int sfd)
{
    static front_t f;
    f.s = s;
    f.reader = reader;
    for (int i = 0; i < MAX_CLIENTS; i++) f.clients[i].fd = -1;
    struct pollfd pfd[MAX_CLIENTS + 3];
    client_t *of[MAX_CLIENTS + 3];
    double stop_deadline = 0;
    for (;;) {
        if (f.stopping && !f.cur.job) break;
        if (f.stopping && !stop_deadline) stop_deadline = fd_now_ms() + STOP_WAIT_MS;
        if (stop_deadline && fd_now_ms() > stop_deadline) {
            log_warn("the operation in hand did not end within %d s; stopping anyway", STOP_WAIT_MS / 1000);
            break;
        }
        int n = 0;
        pfd[n++] = (struct pollfd){ fd_reader_event_fd(reader), POLLIN, 0 };
        pfd[n++] = (struct pollfd){ sfd, POLLIN, 0 };
        pfd[n++] = (struct pollfd){ lfd, f.stopping ? 0 : POLLIN, 0 };
        for (int i = 0; i < MAX_CLIENTS; i++) {
            client_t *c = &f.clients[i];
            if (c->fd < 0) continue;
            /* POLLHUP comes whatever is asked for: a hang-up is seen even
             * while the client's lines wait behind its operation. */
            short ev = (short)((!c->eof && c->inlen < IN_CAP ? POLLIN : 0) | (c->outlen ? POLLOUT : 0));
            of[n] = c;
            pfd[n++] = (struct pollfd){ c->fd, ev, 0 };
        }
        if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR) { log_error("poll: %m"); return -1; }
        if (pfd[0].revents & POLLIN) take_events(&f);
        if (pfd[1].revents & POLLIN) on_signals(&f, sfd);
        for (int i = 3; i < n; i++) {
            client_t *c = of[i];
            if (c->fd != pfd[i].fd) continue;
            if (pfd[i].revents & POLLIN) { read_client(c); pump(&f, c); }
            if (pfd[i].revents & (POLLHUP | POLLERR)) c->dead = 1;
            flush(c);
            /* A client that said all it will say goes once its lines are out. */
            if (c->dead || (c->eof && !c->in_op && !c->outlen && !memchr(c->in, '\n', c->inlen)))
                drop_client(&f, c);
        }
        if (pfd[2].revents & POLLIN) accept_clients(&f, lfd);
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        client_t *c = &f.clients[i];
        if (c->fd < 0) continue;
        if (c->in_op) {
            fpp_request_t none = { .has_id = c->has_id };
            memcpy(none.id, c->id, sizeof none.id);
            reply_error(c, &none, "cancelled", "fingerd is stopping");
        }
        flush(c);
        drop_client(&f, c);
    }
    return 0;
}
