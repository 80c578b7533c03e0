/* boardsim's picture of the hardware on one bus: boards, and on each the
 * locks with their doors, items, jams and relays, moved along by time
 * (a door opens a little after the relay fires and closes again by
 * itself).  No protocol here: cu.c and modbus.c turn requests into calls
 * on this model and its state into replies. */
#ifndef BOARDSIM_MODEL_H
#define BOARDSIM_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_BOARDS 32      /* boardd scans at most 32 addresses */
#define MODEL_MAX_LOCKS  48      /* the biggest CU board */

/* The sooner of two due times, where 0 (nothing pending) loses to any
 * time: shared by sim.c, model.c and main.c, which all work out when to
 * wake next. */
static inline int64_t earlier(int64_t a, int64_t b)
{
    if (!a) return b;
    if (!b) return a;
    return a < b ? a : b;
}

/* Times are CLOCK_MONOTONIC milliseconds; 0 means "nothing pending". */
typedef struct lock {
    bool open;                   /* the door, whatever the sensor reports */
    bool item;                   /* something in the compartment */
    bool jammed;                 /* the relay fires but the door stays shut */
    bool coil;                   /* Modbus relay output */
    uint32_t unlocks;            /* times the relay fired */
    int64_t open_at;             /* the door opens then (--open-delay-ms) */
    int64_t close_at;            /* the door closes by itself then (--close-after-ms) */
    int64_t coil_off_at;         /* a timed pulse ends then */
} lock_t;

typedef struct board {
    uint8_t address;
    uint8_t channels;            /* locks 1..channels */
    bool sensors;                /* door sensors wired: else the hook always reads closed */
    bool occupancy;              /* CU occupancy sensors */
    bool plain;                  /* Modbus relay without the timed-pulse registers */
    bool silent;                 /* dead: neither acts nor answers */
    unsigned late_ms;            /* answers this late */
    unsigned corrupt;            /* this many next replies get a wrong checksum */
    lock_t locks[MODEL_MAX_LOCKS];   /* locks[0] is lock 1 */
} board_t;

typedef struct model {
    board_t boards[MODEL_MAX_BOARDS];
    size_t nboards;
    unsigned open_delay_ms;
    unsigned close_after_ms;     /* 0: doors stay open until closed by hand */
} model_t;

/* Fills m from a --boards SPEC, comma-separated ADDR:CHANNELS[:FLAGS]
 * (flags: s door sensors, the default; n none; o occupancy, CU only;
 * p plain relay, Modbus only).  Returns 0, or -1 with a message. */
int model_parse(model_t *m, const char *spec, bool modbus, char *err, size_t errlen);

board_t *model_board(model_t *m, unsigned address);
/* Lock 1..channels of b, or NULL: the board has no such lock. */
lock_t *model_lock(board_t *b, unsigned lock);

/* The relay of l fired: the door opens after the open delay unless the
 * lock is jammed. */
void model_fire(const model_t *m, lock_t *l, int64_t now);
/* Switches a Modbus relay; switching it on fires the lock. */
void model_set_coil(const model_t *m, lock_t *l, bool on, int64_t now);
/* A timed pulse: the relay on for ms, then off by itself. */
void model_pulse(const model_t *m, lock_t *l, unsigned ms, int64_t now);
/* Someone opened or closed the door by hand; it stays that way. */
void model_door(lock_t *l, bool open);

/* What the door sensor reports: shut when there is no sensor. */
bool model_reports_shut(const board_t *b, const lock_t *l);

/* Applies every timer due by now. */
void model_tick(model_t *m, int64_t now);
/* The earliest pending timer, or 0. */
int64_t model_next_due(const model_t *m);
/* Clears every fault (jam, silent, late, corrupt), closes every door and
 * switches every relay off; items and unlock counts stay. */
void model_reset(model_t *m);

#endif
