/* The control operations; see ops.h.  Every op reads and checks all its
 * fields before it touches anything, and ops_run refuses a field the op
 * does not know before running it, so a bad request changes nothing. */
#include "ops.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"

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

/* The lock named by "board" and "lock" plus the boolean field `name`,
 * or NULL with the error set: what jam, door and item all take. */
static lock_t *want_lock_bool(call_t *c, sim_t *s, const char *name, bool *out)
{
    lock_t *l = want_board_lock(c, s);
    return l && want_bool(c, name, out) == 0 ? l : NULL;
}

/* The board named by "board" plus the integer field `name`, 0-hi, or
 * NULL with the error set: what late and corrupt take. */
static board_t *want_board_uint(call_t *c, sim_t *s, const char *name, unsigned hi, unsigned *out)
{
    board_t *b = want_board(c, s);
    long long v = 0;
    if (!b || want_int(c, name, 0, hi, &v)) return NULL;
    *out = (unsigned)v;
    return b;
}

static int op_jam(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    bool on = false;
    lock_t *l = want_lock_bool(c, s, "on", &on);
    if (l) l->jammed = on;
    return l ? 0 : -1;
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
    unsigned ms = 0;
    board_t *b = want_board_uint(c, s, "ms", LATE_MAX_MS, &ms);
    if (b) b->late_ms = ms;
    return b ? 0 : -1;
}

static int op_corrupt(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    unsigned count = 0;
    board_t *b = want_board_uint(c, s, "count", CORRUPT_MAX, &count);
    if (b) b->corrupt = count;
    return b ? 0 : -1;
}

/* gap_ms may be left out: then there is no gap, whatever was set before. */
static int op_split(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    long long chunk = 0, gap = 0;
    if (want_int(c, "chunk", 0, WIRE_PIECE_MAX, &chunk)) return -1;
    if (json_object_get(c->req, "gap_ms") && want_int(c, "gap_ms", 0, GAP_MAX_MS, &gap)) return -1;
    s->wire.chunk = (unsigned)chunk;
    s->wire.gap_ms = (unsigned)gap;
    return 0;
}

static int op_garbage(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    json_t *v = json_object_get(c->req, "hex");
    const char *hex = json_string_value(v);
    size_t len = json_string_length(v);
    if (!hex || len == 0 || len % 2 || len / 2 > GARBAGE_MAX)
        return fail(c, "hex: want an even number of hex digits, 2-%d", GARBAGE_MAX * 2);
    uint8_t bytes[GARBAGE_MAX];
    /* secret_unhex wants exactly len / 2 bytes' worth of digits, so it also
     * refuses a string with a NUL inside (its strlen falls short of len). */
    if (secret_unhex(bytes, len / 2, hex)) return fail(c, "hex: not hex digits");
    if (wire_put(&s->wire, bytes, len / 2))
        return fail(c, "garbage: the line's buffer is full (nobody reads the pty?)");
    wire_run(&s->wire, now);
    return 0;
}

static int op_door(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    bool open = false;
    lock_t *l = want_lock_bool(c, s, "open", &open);
    if (l) model_door(l, open);
    return l ? 0 : -1;
}

static int op_item(sim_t *s, call_t *c, json_t *reply, int64_t now)
{
    bool present = false;
    lock_t *l = want_lock_bool(c, s, "present", &present);
    if (l) l->item = present;
    return l ? 0 : -1;
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
    /* Replies lost because nobody read the line: a test that expects every
     * answer checks this is 0. */
    json_object_set_new(reply, "dropped_bytes", json_integer((json_int_t)s->wire.dropped));
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
    /* A late or split reply scheduled before the reset must not turn up
     * on the line after it, where it would answer nothing. */
    wire_discard(&s->wire);
    s->wire.chunk = 0;
    s->wire.gap_ms = 0;
    return 0;
}

static const struct op {
    const char *name;
    int (*run)(sim_t *s, call_t *c, json_t *reply, int64_t now);
    /* The fields it reads besides "op"; any other is refused, so that a
     * misspelt one ("gapms") is not silently run with its default. */
    const char *fields[4];
} ops[] = {
    { "jam", op_jam, { "board", "lock", "on" } },
    { "silent", op_silent, { "board", "on" } },
    { "late", op_late, { "board", "ms" } },
    { "corrupt", op_corrupt, { "board", "count" } },
    { "split", op_split, { "chunk", "gap_ms" } },
    { "garbage", op_garbage, { "hex" } },
    { "door", op_door, { "board", "lock", "open" } },
    { "item", op_item, { "board", "lock", "present" } },
    { "state", op_state, { NULL } },
    { "log", op_log, { "since" } },
    { "reset", op_reset, { NULL } },
};

static const struct op *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0) return &ops[i];
    return NULL;
}

/* Refuses the first key of the request that op does not read. */
static int check_fields(call_t *c, const struct op *op)
{
    for (void *it = json_object_iter(c->req); it; it = json_object_iter_next(c->req, it)) {
        const char *key = json_object_iter_key(it);
        bool known = strcmp(key, "op") == 0;
        for (size_t i = 0; !known && op->fields[i]; i++) known = strcmp(key, op->fields[i]) == 0;
        if (!known) return fail(c, "unknown field \"%.40s\" for op %s", key, op->name);
    }
    return 0;
}

char *ops_run(sim_t *s, const char *line, size_t len, int64_t now)
{
    call_t c = { 0 };
    json_error_t jerr;
    /* JSON_DECODE_ANY: a valid scalar such as "jam" is then refused as not
     * an object, rather than as bad JSON. */
    c.req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    const char *name = json_string_value(json_object_get(c.req, "op"));
    const struct op *op = name ? find_op(name) : NULL;
    json_t *reply = json_pack("{s:b}", "ok", 1);
    int rc = -1;
    if (!c.req)
        fail(&c, "bad JSON: %s", jerr.text);
    else if (!json_is_object(c.req))
        fail(&c, "not a JSON object");
    else if (!name)
        fail(&c, "op: want a string");
    else if (!op)
        fail(&c, "unknown op \"%.40s\"", name);
    else if (check_fields(&c, op) == 0)    /* before the op, which may act */
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
