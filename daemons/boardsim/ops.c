/* The control operations; see ops.h.  Every op reads and checks all its
 * fields before it touches anything, so a bad request changes nothing. */
#include "ops.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define LATE_MAX_MS    60000
#define GAP_MAX_MS     60000
#define CORRUPT_MAX    1000000
#define GARBAGE_MAX    4096        /* bytes in one "garbage" op */

typedef struct call {
    json_t *req;
    char err[200];
} call_t;

__attribute__((format(printf, 2, 3)))
static int fail(call_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int want_int(call_t *c, const char *name, long long lo, long long hi, long long *out)
{
    json_t *v = json_object_get(c->req, name);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fail(c, "%s: want an integer %lld-%lld", name, lo, hi);
    *out = json_integer_value(v);
    return 0;
}

static int want_bool(call_t *c, const char *name, bool *out)
{
    json_t *v = json_object_get(c->req, name);
    if (!json_is_boolean(v)) return fail(c, "%s: want true or false", name);
    *out = json_is_true(v);
    return 0;
}

static board_t *want_board(call_t *c, sim_t *s)
{
    long long address = 0;
    if (want_int(c, "board", 0, 255, &address)) return NULL;
    board_t *b = model_board(&s->model, (unsigned)address);
    if (!b) fail(c, "board %lld: no such board on this bus", address);
    return b;
}

static lock_t *want_lock(call_t *c, board_t *b)
{
    long long n = 0;
    if (want_int(c, "lock", 1, b->channels, &n)) return NULL;
    return model_lock(b, (unsigned)n);
}

/* The lock named by "board" and "lock", or NULL with the error set. */
static lock_t *want_board_lock(call_t *c, sim_t *s)
{
    board_t *b = want_board(c, s);
    return b ? want_lock(c, b) : NULL;
}

static int op_jam(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    lock_t *l = want_board_lock(c, s);
    bool on = false;
    if (!l || want_bool(c, "on", &on)) return -1;
    l->jammed = on;
    return 0;
}

static int op_silent(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    board_t *b = want_board(c, s);
    bool on = false;
    if (!b || want_bool(c, "on", &on)) return -1;
    b->silent = on;
    return 0;
}

static int op_late(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    board_t *b = want_board(c, s);
    long long ms = 0;
    if (!b || want_int(c, "ms", 0, LATE_MAX_MS, &ms)) return -1;
    b->late_ms = (unsigned)ms;
    return 0;
}

static int op_corrupt(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    board_t *b = want_board(c, s);
    long long count = 0;
    if (!b || want_int(c, "count", 0, CORRUPT_MAX, &count)) return -1;
    b->corrupt = (unsigned)count;
    return 0;
}

static int op_split(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    long long chunk = 0, gap = 0;
    if (want_int(c, "chunk", 0, WIRE_PIECE_MAX, &chunk)) return -1;
    if (json_object_get(c->req, "gap_ms") && want_int(c, "gap_ms", 0, GAP_MAX_MS, &gap)) return -1;
    s->wire.chunk = (unsigned)chunk;
    s->wire.gap_ms = (unsigned)gap;
    return 0;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static int op_garbage(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    json_t *v = json_object_get(c->req, "hex");
    const char *hex = json_string_value(v);
    size_t len = json_string_length(v);
    if (!hex || len == 0 || len % 2 || len / 2 > GARBAGE_MAX)
        return fail(c, "hex: want an even number of hex digits, 2-%d", GARBAGE_MAX * 2);
    uint8_t bytes[GARBAGE_MAX];
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return fail(c, "hex: not hex digits");
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    if (wire_put(&s->wire, bytes, len / 2))
        return fail(c, "garbage: the line's buffer is full (nobody reads the pty?)");
    wire_run(&s->wire, now);
    return 0;
}

static int op_door(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    lock_t *l = want_board_lock(c, s);
    bool open = false;
    if (!l || want_bool(c, "open", &open)) return -1;
    model_door(l, open);
    return 0;
}

static int op_item(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    lock_t *l = want_board_lock(c, s);
    bool present = false;
    if (!l || want_bool(c, "present", &present)) return -1;
    l->item = present;
    return 0;
}

static int op_state(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    json_t *boards = json_array();
    for (size_t i = 0; i < s->model.nboards; i++) {
        const board_t *b = &s->model.boards[i];
        json_t *locks = json_array();
        for (unsigned k = 0; k < b->channels; k++) {
            const lock_t *l = &b->locks[k];
            json_array_append_new(locks, json_pack("{s:i,s:b,s:b,s:b,s:b,s:I}", "lock", k + 1,
                                                   "open", l->open, "item", l->item, "jammed",
                                                   l->jammed, "coil", l->coil, "unlocks",
                                                   (json_int_t)l->unlocks));
        }
        json_array_append_new(boards, json_pack("{s:i,s:i,s:b,s:o}", "address", b->address,
                                                "channels", b->channels, "silent", b->silent,
                                                "locks", locks));
    }
    json_object_set_new(reply, "boards", boards);
    return 0;
}

static int op_log(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    long long since = 0;
    if (json_object_get(c->req, "since") && want_int(c, "since", 0, INT64_MAX, &since)) return -1;
    uint64_t seq = framelog_oldest(&s->log);
    if ((uint64_t)since > seq) seq = (uint64_t)since;
    json_t *frames = json_array();
    for (const frame_entry_t *e; (e = framelog_get(&s->log, seq)); seq++)
        json_array_append_new(frames, json_pack("{s:I,s:I,s:i,s:s,s:i}", "seq", (json_int_t)e->seq,
                                                "t_us", (json_int_t)e->t_us, "board", e->board,
                                                "cmd", e->cmd, "lock", e->lock));
    json_object_set_new(reply, "next", json_integer((json_int_t)s->log.next));
    json_object_set_new(reply, "frames", frames);
    return 0;
}

static int op_reset(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    model_reset(&s->model);
    s->wire.chunk = 0;
    s->wire.gap_ms = 0;
    return 0;
}

static const struct op {
    const char *name;
    int (*run)(sim_t *s, call_t *c, json_t *reply, int64_t now);
} ops[] = {
    { "jam", op_jam },         { "silent", op_silent }, { "late", op_late },
    { "corrupt", op_corrupt }, { "split", op_split },   { "garbage", op_garbage },
    { "door", op_door },       { "item", op_item },     { "state", op_state },
    { "log", op_log },         { "reset", op_reset },
};

static const struct op *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0) return &ops[i];
    return NULL;
}

char *ops_run(sim_t *s, const char *line, size_t len, int64_t now)
{
    call_t c = { 0 };
    json_error_t jerr;
    c.req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *name = json_string_value(json_object_get(c.req, "op"));
    const struct op *op = name ? find_op(name) : NULL;
    json_t *reply = json_pack("{s:b}", "ok", 1);
    int rc = -1;
    if (!json_is_object(c.req))
        fail(&c, "not a JSON object: %s", c.req ? "another value" : jerr.text);
    else if (!name)
        fail(&c, "op: want a string");
    else if (!op)
        fail(&c, "unknown op \"%.40s\"", name);
    else
        rc = op->run(s, &c, reply, now);
    if (rc) {
        json_decref(reply);
        reply = json_pack("{s:b,s:s}", "ok", 0, "error", c.err);
    }
    char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    json_decref(reply);
    json_decref(c.req);
    return text;
}
