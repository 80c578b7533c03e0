/* boardd's socket (docs/boards.md §4): one JSON object per line, one
 * reply per request, in order.  A connection waits for its reply before
 * its next line is read, so replies can never cross. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "server.h"
#include "linesock.h"
#include "log.h"

#define LINE_MAX_BYTES 4096
#define EXPIRY_AHEAD_MAX_MS (24LL * 3600 * 1000)

static void send_json(bd_client_t *c, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(j);
    if (!text) { c->closing = 1; return; }
    if (linesock_queue_line(&c->out, &c->outlen, &c->outcap, text, strlen(text)) != 0) c->closing = 1;
    free(text);
}

static void send_error(bd_client_t *c, const char *code, const char *message)
{
    send_json(c, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", code, "message", message));
}

static double rel(const bd_job_t *j, double t) { return t > 0 ? (double)(long)((t - j->t0) * 100) / 100 : -1; }

static void put_ms(json_t *o, const char *k, double v)
{
    json_object_set_new(o, k, v < 0 ? json_null() : json_real(v));
}

void bd_reply_job(bd_client_t *c, bd_job_t *job)
{
    if (job->kind == JOB_SCAN) {
        send_json(c, job->result);
        job->result = NULL;
        return;
    }
    if (!job->outcome) {
        send_error(c, "database_unavailable", "the database is not reachable; nothing was fired");
        return;
    }
    json_t *o = json_pack("{s:b,s:s,s:s,s:b,s:s}", "ok", 1, "command_id", job->command_id, "outcome",
                          job->outcome, "replayed", job->replayed, "detail", job->detail);
    put_ms(o, "queued_ms", rel(job, job->t_queued));
    put_ms(o, "fired_ms", rel(job, job->t_fired));
    put_ms(o, "answered_ms", rel(job, job->t_answered));
    put_ms(o, "finished_ms", rel(job, job->t_finished));
    send_json(c, o);
}

/* ---------- requests ---------- */

static int printable_ascii(const char *s)
{
    for (; *s; s++) if (*s < 0x21 || *s > 0x7E) return 0;
    return 1;
}

static const char *text_field(json_t *req, const char *name, size_t max, int ascii)
{
    json_t *v = json_object_get(req, name);
    if (!json_is_string(v)) return NULL;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0 || n > max || strlen(s) != n) return NULL;       /* no embedded NUL */
    if (ascii && !printable_ascii(s)) return NULL;
    return s;
}

static bd_job_t *new_job(bd_client_t *c, int kind, double t0)
{
    bd_job_t *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->kind = kind;
    j->client = c->serial;
    j->t0 = t0;
    return j;
}

static void reply_stored(bd_client_t *c, const char *command_id, const char *state, const char *detail)
{
    send_json(c, json_pack("{s:b,s:s,s:s,s:b,s:s,s:n,s:n,s:n,s:n}", "ok", 1, "command_id", command_id, "outcome",
                           state, "replayed", 1, "detail", detail, "queued_ms", "fired_ms", "answered_ms",
                           "finished_ms"));
}

/* A command id seen before: its stored outcome, or, while it is still on
 * its way, a place in the same queue behind it. */
static void replay(bd_server_t *s, bd_client_t *c, const char *command_id, double t0)
{
    arena_t *a = arena_new(1024);
    db_res_t *r = NULL;
    if (!a || db_query(s->db, a, &r, "SELECT id, state, detail, cell_id FROM door_commands WHERE command_id = ?",
                       "s", command_id) != DB_OK || r->nrows != 1) {
        arena_free(a);
        send_error(c, "database_unavailable", "the database is not reachable; nothing was fired");
        return;
    }
    const char *state = db_cell(r, 0, 1);
    const bd_cell_t *cell = bd_server_cell(s, db_cell_int(r, 0, 3));
    if (strcmp(state, "queued") != 0 && strcmp(state, "firing") != 0) {
        reply_stored(c, command_id, state, db_cell(r, 0, 2));
    } else if (!cell) {
        reply_stored(c, command_id, state, "still on its way");
    } else {
        bd_job_t *j = new_job(c, JOB_REPLAY, t0);
        if (!j) { arena_free(a); send_error(c, "internal", "out of memory"); return; }
        j->row_id = db_cell_int(r, 0, 0);
        j->replayed = 1;
        snprintf(j->command_id, sizeof j->command_id, "%s", command_id);
        c->busy = 1;
        bd_bus_enqueue(cell->bus, j);
    }
    arena_free(a);
}

static void op_open(bd_server_t *s, bd_client_t *c, json_t *req, double t0)
{
    json_t *jcell = json_object_get(req, "cell"), *jexp = json_object_get(req, "expires_ms");
    const char *command_id = text_field(req, "command_id", BD_COMMAND_ID_MAX, 1);
    const char *reason = text_field(req, "reason", 255, 0), *actor = text_field(req, "actor", 64, 0);
    if (!json_is_integer(jcell) || json_integer_value(jcell) <= 0) { send_error(c, "bad_request", "cell must be a positive integer"); return; }
    if (!command_id) { send_error(c, "bad_request", "command_id must be 1-64 printable ASCII characters"); return; }
    if (!json_is_integer(jexp) || json_integer_value(jexp) < 0) { send_error(c, "bad_request", "expires_ms must be a Unix time in ms"); return; }
    if (!reason) { send_error(c, "bad_request", "reason must be 1-255 bytes"); return; }
    if (!actor) { send_error(c, "bad_request", "actor must be 1-64 bytes"); return; }
    int64_t expires = json_integer_value(jexp), now = bd_unix_ms();
    if (expires > now + EXPIRY_AHEAD_MAX_MS) { send_error(c, "bad_request", "expires_ms is more than a day ahead"); return; }
    const bd_cell_t *cell = bd_server_cell(s, json_integer_value(jcell));
    if (!cell) { send_error(c, "unknown_cell", "no lock is wired to this cell, or its bus is disabled"); return; }
    const bd_lock_t *lock = &cell->bus->boards[cell->board].locks[cell->channel - 1];

    /* Stored before it is queued: whatever happens next, the id is taken. */
    int expired = expires < now;
    long n = db_exec(s->db, "INSERT INTO door_commands (command_id, site_id, cell_id, actor, reason, state, detail,"
                            " expires_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000),"
                            " IF(? = 'expired', UTC_TIMESTAMP(6), NULL))",
                     "siissssis", command_id, lock->site_id, cell->cell_id, actor, reason,
                     expired ? "expired" : "queued", expired ? "expired before it arrived; nothing was sent" : "",
                     expires, expired ? "expired" : "queued");
    if (n == DB_ERR_DUP) { replay(s, c, command_id, t0); return; }
    if (n != 1) { send_error(c, "database_unavailable", "the database is not reachable; nothing was fired"); return; }
    bd_job_t *j = new_job(c, JOB_OPEN, t0);
    if (!j) { send_error(c, "internal", "out of memory"); return; }
    j->row_id = db_last_id(s->db);
    snprintf(j->command_id, sizeof j->command_id, "%s", command_id);
    j->board = cell->board;
    j->channel = cell->channel;
    j->expires_ms = expires;
    j->t_queued = bd_now_ms();
    if (expired) {
        j->outcome = "expired";
        snprintf(j->detail, sizeof j->detail, "expired before it arrived; nothing was sent");
        j->t_finished = j->t_queued;
        bd_reply_job(c, j);
        free(j);
        return;
    }
    c->busy = 1;
    bd_bus_enqueue(cell->bus, j);
}

static json_t *board_status(bd_bus_t *bus, const bd_board_t *b)
{
    static const char *const names[] = { "unknown", "ok", "silent" };
    return json_pack("{s:I,s:i,s:i,s:s,s:s,s:I,s:I,s:I,s:s}", "id", (json_int_t)b->id, "address", b->address,
                     "channels", b->channels, "status", names[b->status], "firmware", b->firmware, "frames_ok",
                     (json_int_t)b->frames_ok, "timeouts", (json_int_t)b->timeouts, "bad_frames",
                     (json_int_t)b->bad_frames, "last_error", b->last_error);
}

static void op_status(bd_server_t *s, bd_client_t *c)
{
    json_t *buses = json_array();
    for (int i = 0; i < s->nbuses; i++) {
        bd_bus_t *bus = s->buses[i];
        json_t *boards = json_array();
        pthread_mutex_lock(&bus->mu);
        for (int k = 0; k < bus->nboards; k++) json_array_append_new(boards, board_status(bus, &bus->boards[k]));
        json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:b,s:i,s:o}", "id", (json_int_t)bus->id, "site",
                              (json_int_t)bus->site_id, "name", bus->name, "device", bus->device, "protocol",
                              bus->protocol == BD_MODBUS ? "modbus" : "cu", "open", bus->device_open, "queue",
                              bus->qlen, "boards", boards);
        pthread_mutex_unlock(&bus->mu);
        json_array_append_new(buses, o);
    }
    send_json(c, json_pack("{s:b,s:o}", "ok", 1, "buses", buses));
}

static void op_scan(bd_server_t *s, bd_client_t *c, json_t *req, double t0)
{
    json_t *jbus = json_object_get(req, "bus");
    if (!json_is_integer(jbus)) { send_error(c, "bad_request", "bus must be an integer"); return; }
    for (int i = 0; i < s->nbuses; i++) {
        if (s->buses[i]->id != json_integer_value(jbus)) continue;
        bd_job_t *j = new_job(c, JOB_SCAN, t0);
        if (!j) { send_error(c, "internal", "out of memory"); return; }
        c->busy = 1;
        bd_bus_enqueue(s->buses[i], j);
        return;
    }
    send_error(c, "unknown_bus", "no such bus, or it is disabled");
}

static void handle_line(bd_server_t *s, bd_client_t *c, const char *line, size_t len)
{
    double t0 = bd_now_ms();
    json_error_t jerr;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(req)) {
        json_decref(req);
        send_error(c, "bad_request", "a request is one JSON object on one line");
        return;
    }
    const char *op = json_string_value(json_object_get(req, "op"));
    if (!op) send_error(c, "bad_request", "op is missing");
    else if (!strcmp(op, "open")) op_open(s, c, req, t0);
    else if (!strcmp(op, "status")) op_status(s, c);
    else if (!strcmp(op, "scan")) op_scan(s, c, req, t0);
    else if (!strcmp(op, "reload")) {
        char err[256];
        if (bd_server_reload(s, err, sizeof err) == 0) send_json(c, json_pack("{s:b,s:i}", "ok", 1, "buses", s->nbuses));
        else send_error(c, "reload_failed", err);
    } else send_error(c, "bad_request", "unknown op");
    json_decref(req);
}

/* Handles the complete lines waiting in the client's buffer, one at a
 * time: a request that goes to a bus leaves the rest for later. */
void bd_client_pump(bd_server_t *s, bd_client_t *c)
{
    while (!c->busy && !c->closing) {
        char *nl = memchr(c->in, '\n', c->inlen);
        if (!nl) {
            if (c->inlen >= LINE_MAX_BYTES) {
                send_error(c, "bad_request", "request line longer than 4096 bytes");
                c->closing = 1;           /* the rest of that line cannot be told apart */
            }
            return;
        }
        size_t len = (size_t)(nl - c->in);
        if (len > LINE_MAX_BYTES) send_error(c, "bad_request", "request line longer than 4096 bytes");
        else if (len > 0) handle_line(s, c, c->in, len);
        c->inlen -= len + 1;
        memmove(c->in, nl + 1, c->inlen);
    }
}

int bd_client_read(bd_client_t *c)
{
    if (c->inlen >= sizeof c->in) return 0;
    ssize_t r = read(c->fd, c->in + c->inlen, sizeof c->in - c->inlen);
    if (r > 0) { c->inlen += (size_t)r; return 0; }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

int bd_client_flush(bd_client_t *c)
{
    while (c->outlen > 0) {
        ssize_t w = write(c->fd, c->out, c->outlen);
        if (w > 0) { memmove(c->out, c->out + w, c->outlen - (size_t)w); c->outlen -= (size_t)w; continue; }
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        return -1;
    }
    return 0;
}
