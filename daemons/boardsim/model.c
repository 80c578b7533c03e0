/* The boards and locks of one simulated bus; see model.h. */
#include "model.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_frame.h"
#include "mb_frame.h"

/* Reads an unsigned decimal number at *p up to a ':' ',' or the end. */
static int read_number(const char **p, unsigned max, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    if (*s < '0' || *s > '9') return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned)(*s++ - '0');
        if (v > max) return -1;
    }
    *p = s;
    *out = v;
    return 0;
}

static int read_flags(const char **p, bool modbus, board_t *b, char *err, size_t errlen)
{
    bool saw_s = false, saw_n = false;
    for (const char *s = *p; *s && *s != ','; s++, *p = s) {
        switch (*s) {
        case 's': saw_s = true; break;
        case 'n': saw_n = true; break;
        case 'o': b->occupancy = true; break;
        case 'p': b->plain = true; break;
        default:
            snprintf(err, errlen, "board %u: unknown flag '%c' (s, n, o, p)", b->address, *s);
            return -1;
        }
    }
    if (saw_s && saw_n) {
        snprintf(err, errlen, "board %u: flags s and n contradict", b->address);
        return -1;
    }
    if (b->occupancy && modbus) {
        snprintf(err, errlen, "board %u: occupancy sensors (o) are a CU feature", b->address);
        return -1;
    }
    if (b->plain && !modbus) {
        snprintf(err, errlen, "board %u: plain relay (p) is a Modbus feature", b->address);
        return -1;
    }
    b->sensors = !saw_n;
    return 0;
}

int model_parse(model_t *m, const char *spec, bool modbus, char *err, size_t errlen)
{
    const unsigned lo = modbus ? 1 : 0, hi = modbus ? MB_MAX_SLAVE : CU_MAX_ADDRESS;
    const char *p = spec;
    m->nboards = 0;
    for (;;) {
        unsigned address, channels;
        if (read_number(&p, 255, &address) || address < lo || address > hi || *p++ != ':') {
            snprintf(err, errlen, "boards: want ADDR:CHANNELS[:FLAGS] with ADDR %u-%u", lo, hi);
            return -1;
        }
        if (read_number(&p, 255, &channels) || channels < 1 || channels > MODEL_MAX_LOCKS) {
            snprintf(err, errlen, "board %u: CHANNELS must be 1-%d", address, MODEL_MAX_LOCKS);
            return -1;
        }
        if (model_board(m, address)) {
            snprintf(err, errlen, "board %u: listed twice", address);
            return -1;
        }
        if (m->nboards == MODEL_MAX_BOARDS) {
            snprintf(err, errlen, "boards: at most %d on a bus", MODEL_MAX_BOARDS);
            return -1;
        }
        board_t *b = &m->boards[m->nboards];
        memset(b, 0, sizeof *b);
        b->address = (uint8_t)address;
        b->channels = (uint8_t)channels;
        b->sensors = true;
        if (*p == ':') {
            p++;
            if (read_flags(&p, modbus, b, err, errlen)) return -1;
        }
        m->nboards++;
        if (*p == '\0') return 0;
        if (*p++ != ',') {
            snprintf(err, errlen, "board %u: junk after it", address);
            return -1;
        }
    }
}

board_t *model_board(model_t *m, unsigned address)
{
    for (size_t i = 0; i < m->nboards; i++)
        if (m->boards[i].address == address) return &m->boards[i];
    return NULL;
}

lock_t *model_lock(board_t *b, unsigned lock)
{
    return lock >= 1 && lock <= b->channels ? &b->locks[lock - 1] : NULL;
}

static void door_opens(const model_t *m, lock_t *l, int64_t now)
{
    l->open = true;
    l->open_at = 0;
    l->close_at = m->close_after_ms ? now + m->close_after_ms : 0;
}

void model_fire(const model_t *m, lock_t *l, int64_t now)
{
    l->unlocks++;
    if (l->jammed || l->open || l->open_at) return;
    if (m->open_delay_ms)
        l->open_at = now + m->open_delay_ms;
    else
        door_opens(m, l, now);
}

void model_set_coil(const model_t *m, lock_t *l, bool on, int64_t now)
{
    /* A relay that is already on does not pulse the lock again. */
    if (on && !l->coil) model_fire(m, l, now);
    l->coil = on;
    l->coil_off_at = 0;
}

void model_pulse(const model_t *m, lock_t *l, unsigned ms, int64_t now)
{
    model_set_coil(m, l, true, now);
    l->coil_off_at = now + (ms ? ms : 1);
}

void model_door(lock_t *l, bool open)
{
    l->open = open;
    l->open_at = 0;
    l->close_at = 0;
}

bool model_reports_shut(const board_t *b, const lock_t *l)
{
    return !b->sensors || !l->open;
}

void model_tick(model_t *m, int64_t now)
{
    for (size_t i = 0; i < m->nboards; i++) {
        board_t *b = &m->boards[i];
        for (unsigned k = 0; k < b->channels; k++) {
            lock_t *l = &b->locks[k];
            if (l->open_at && now >= l->open_at) {
                l->open_at = 0;
                /* Jammed while the door was about to open. */
                if (!l->jammed) door_opens(m, l, now);
            }
            if (l->close_at && now >= l->close_at) model_door(l, false);
            if (l->coil_off_at && now >= l->coil_off_at) {
                l->coil = false;
                l->coil_off_at = 0;
            }
        }
    }
}

int64_t model_next_due(const model_t *m)
{
    int64_t due = 0;
    for (size_t i = 0; i < m->nboards; i++) {
        const board_t *b = &m->boards[i];
        for (unsigned k = 0; k < b->channels; k++) {
            const lock_t *l = &b->locks[k];
            due = earlier(earlier(earlier(due, l->open_at), l->close_at), l->coil_off_at);
        }
    }
    return due;
}

void model_reset(model_t *m)
{
    for (size_t i = 0; i < m->nboards; i++) {
        board_t *b = &m->boards[i];
        b->silent = false;
        b->late_ms = 0;
        b->corrupt = 0;
        for (unsigned k = 0; k < b->channels; k++) {
            lock_t *l = &b->locks[k];
            model_door(l, false);
            l->jammed = false;
            l->coil = false;
            l->coil_off_at = 0;
        }
    }
}
