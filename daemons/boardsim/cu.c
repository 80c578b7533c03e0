/* The CU boards of docs/boards.md §1: reads requests with lib/cu_frame
 * and answers them from the model, firmware 2.7. */
#include <string.h>

#include "sim.h"

#define CU_SIM_MAJOR 2
#define CU_SIM_MINOR 7

static const char *cmd_name(uint8_t cmd)
{
    switch (cmd) {
    case CU_CMD_UNLOCK: return "unlock";
    case CU_CMD_READ_ONE: return "read_one";
    case CU_CMD_READ_ALL: return "read_all";
    default: return "version";      /* the parser passes no other command */
    }
}

static uint8_t state_of(const board_t *b, const lock_t *l)
{
    uint8_t state = model_reports_shut(b, l) ? CU_STATE_HOOK_CLOSED : 0;
    if (b->occupancy) state |= CU_STATE_HAS_SENSOR | (l->item ? CU_STATE_ITEM : 0);
    return state;
}

static size_t read_all(board_t *b, uint8_t *out, size_t cap)
{
    uint8_t hook[CU_BITMAP_MAX] = { 0 }, items[CU_BITMAP_MAX] = { 0 };
    for (unsigned i = 0; i < b->channels; i++) {
        if (model_reports_shut(b, &b->locks[i])) hook[i / 8] |= (uint8_t)(1u << (i % 8));
        if (b->locks[i].item) items[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return cu_reply_read_all(out, cap, b->address, b->channels, hook, b->occupancy ? items : NULL);
}

static void answer(sim_t *s, const cu_frame_t *f, int64_t now, int64_t t_us)
{
    board_t *b = sim_request(s, f->address, cmd_name(f->cmd), f->lock, t_us);
    if (!b) return;
    lock_t *l = model_lock(b, f->lock);
    uint8_t out[CU_FRAME_MAX];
    size_t n = 0;
    switch (f->cmd) {
    case CU_CMD_UNLOCK:
        if (l) model_fire(&s->model, l, now);
        n = cu_reply_unlock(out, sizeof out, b->address, f->lock,
                            l ? CU_UNLOCK_OK : CU_UNLOCK_REFUSED);
        break;
    case CU_CMD_READ_ONE:
        /* A lock the board does not have: no answer (boardd reads only
         * what it has wired; this is a wiring mistake). */
        if (l) n = cu_reply_read_one(out, sizeof out, b->address, f->lock, state_of(b, l));
        break;
    case CU_CMD_READ_ALL:
        n = read_all(b, out, sizeof out);
        break;
    case CU_CMD_VERSION:
        n = cu_reply_version(out, sizeof out, b->address, CU_SIM_MAJOR, CU_SIM_MINOR);
        break;
    }
    if (n) sim_reply(s, b, out, n, now);
}

static void input(sim_t *s, const uint8_t *data, size_t len, int64_t now, int64_t t_us)
{
    cu_frame_t f;
    size_t used;
    while (cu_parser_feed(&s->cu, data, len, &used, &f)) {
        data += used;
        len -= used;
        answer(s, &f, now, t_us);
    }
}

static void quiet(sim_t *s, int64_t now, int64_t t_us)
{
    cu_frame_t f;
    while (cu_parser_flush(&s->cu, &f)) answer(s, &f, now, t_us);
}

static size_t waiting(const sim_t *s)
{
    return s->cu.len;
}

const proto_t proto_cu = { "cu", input, quiet, waiting };
