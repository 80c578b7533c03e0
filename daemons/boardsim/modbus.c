/* The Modbus RTU relay boards of docs/boards.md §2: reads requests with
 * lib/mb_frame and answers them from the model.  Lock L is coil and
 * discrete input L-1 (input 1 = door shut); a timed-pulse board also has
 * holding register 0x0100+L-1, where a nonzero value pulses the relay
 * for that many tenths of a second.  A broadcast (slave 0) acts on every
 * board and is answered by none. */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define PULSE_REGISTER 0x0100
#define FIRMWARE "boardsim-relay 1.0"

static size_t refuse(const board_t *b, const mb_request_t *r, uint8_t code, uint8_t *out, size_t cap)
{
    return mb_reply_exception(out, cap, b->address, r->function, code);
}

/* Whether the board has the count channels from first (0-based) on. */
static int have(const board_t *b, unsigned first, unsigned count)
{
    return first + count <= b->channels;
}

static size_t read_bits(board_t *b, const mb_request_t *r, uint8_t *out, size_t cap)
{
    if (r->count < 1 || r->count > MB_MAX_READ_BITS)
        return refuse(b, r, MB_EX_ILLEGAL_VALUE, out, cap);
    if (!have(b, r->address, r->count)) return refuse(b, r, MB_EX_ILLEGAL_ADDRESS, out, cap);
    uint8_t bits[(MODEL_MAX_LOCKS + 7) / 8] = { 0 };
    for (unsigned i = 0; i < r->count; i++) {
        const lock_t *l = &b->locks[r->address + i];
        int on = r->function == MB_FC_READ_COILS ? l->coil : model_reports_shut(b, l);
        if (on) bits[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return mb_reply_bits(out, cap, b->address, r->function, bits, r->count);
}

static size_t write_coil(sim_t *s, board_t *b, const mb_request_t *r, int64_t now, uint8_t *out,
                         size_t cap)
{
    if (r->value != MB_COIL_ON && r->value != MB_COIL_OFF)
        return refuse(b, r, MB_EX_ILLEGAL_VALUE, out, cap);
    if (!have(b, r->address, 1)) return refuse(b, r, MB_EX_ILLEGAL_ADDRESS, out, cap);
    model_set_coil(&s->model, &b->locks[r->address], r->value == MB_COIL_ON, now);
    return mb_reply_echo(out, cap, b->address, r->function, r->address, r->value);
}

static size_t write_pulse(sim_t *s, board_t *b, const mb_request_t *r, int64_t now, uint8_t *out,
                          size_t cap)
{
    /* A plain relay board has no registers at all. */
    if (b->plain || r->address < PULSE_REGISTER || !have(b, r->address - PULSE_REGISTER, 1))
        return refuse(b, r, MB_EX_ILLEGAL_ADDRESS, out, cap);
    if (r->value) model_pulse(&s->model, &b->locks[r->address - PULSE_REGISTER], r->value * 100u, now);
    return mb_reply_echo(out, cap, b->address, r->function, r->address, r->value);
}

static size_t write_coils(sim_t *s, board_t *b, const mb_request_t *r, int64_t now, uint8_t *out,
                          size_t cap)
{
    if (r->count < 1 || r->count > MB_MAX_WRITE_COILS || r->bytecount != (r->count + 7) / 8)
        return refuse(b, r, MB_EX_ILLEGAL_VALUE, out, cap);
    if (!have(b, r->address, r->count)) return refuse(b, r, MB_EX_ILLEGAL_ADDRESS, out, cap);
    for (unsigned i = 0; i < r->count; i++)
        model_set_coil(&s->model, &b->locks[r->address + i], mb_bit(r->data, i), now);
    return mb_reply_echo(out, cap, b->address, r->function, r->address, r->count);
}

/* Carries out r on board b and writes the reply to out; returns its length. */
static size_t act(sim_t *s, board_t *b, const mb_request_t *r, int64_t now, uint8_t *out, size_t cap)
{
    const uint8_t id = b->address;
    switch (r->function) {
    case MB_FC_READ_COILS:
    case MB_FC_READ_DISCRETE:
        return read_bits(b, r, out, cap);
    case MB_FC_WRITE_COIL:
        return write_coil(s, b, r, now, out, cap);
    case MB_FC_WRITE_REGISTER:
        return write_pulse(s, b, r, now, out, cap);
    case MB_FC_WRITE_COILS:
        return write_coils(s, b, r, now, out, cap);
    case MB_FC_REPORT_SLAVE_ID:
        return mb_reply_slave_id(out, cap, b->address, &id, 1, 1, FIRMWARE);
    default:
        return refuse(b, r, MB_EX_ILLEGAL_FUNCTION, out, cap);
    }
}

/* The lock a request names, for the log: the channel of a coil, input or
 * pulse register (the first, for a range); 0 when none. */
static unsigned lock_named(const mb_request_t *r)
{
    switch (r->function) {
    case MB_FC_READ_COILS:
    case MB_FC_READ_DISCRETE:
    case MB_FC_WRITE_COIL:
    case MB_FC_WRITE_COILS:
        return r->address + 1u;
    case MB_FC_WRITE_REGISTER:
        return r->address >= PULSE_REGISTER ? r->address - PULSE_REGISTER + 1u : 0;
    default:
        return 0;
    }
}

static void answer(sim_t *s, const mb_request_t *r, int64_t now, int64_t t_us)
{
    char cmd[8];
    snprintf(cmd, sizeof cmd, "fc%02x", r->function);
    uint8_t out[WIRE_PIECE_MAX];
    /* No board has address 0, so a broadcast is only logged here. */
    board_t *b = sim_request(s, r->slave, cmd, lock_named(r), t_us);
    if (r->slave == MB_BROADCAST) {
        for (size_t i = 0; i < s->model.nboards; i++)
            if (!s->model.boards[i].silent) act(s, &s->model.boards[i], r, now, out, sizeof out);
        return;
    }
    if (!b) return;
    size_t n = act(s, b, r, now, out, sizeof out);
    if (n) sim_reply(s, b, out, n, now);
}

static void input(sim_t *s, const uint8_t *data, size_t len, int64_t now, int64_t t_us)
{
    mb_request_t r;
    size_t used;
    while (mb_parser_feed(&s->mb, data, len, &used, &r)) {
        data += used;
        len -= used;
        answer(s, &r, now, t_us);
    }
}

static void quiet(sim_t *s, int64_t now, int64_t t_us)
{
    mb_request_t r;
    while (mb_parser_flush(&s->mb, &r)) answer(s, &r, now, t_us);
}

static size_t waiting(const sim_t *s)
{
    return s->mb.len;
}

const proto_t proto_modbus = { "modbus", input, quiet, waiting };
