/* Lock-control boards as the back office and the API see them
 * (sql/migrations/0006_boards.sql, docs/boards.md): the settings of buses
 * and boards with their validation, the wiring of a bank's cells to the
 * channels of a board, door states and alarms.
 *
 * The validation repeats the table's CHECK constraints on purpose: a
 * form must name the field at fault, which a failed INSERT cannot.
 * boardd owns the hardware and writes what the boards say; after a
 * change the caller asks boardd to reload.  Opening a cell goes through
 * boards_open_cell, the one path from a program to boardd's open. */
#ifndef SR_BOARDS_H
#define SR_BOARDS_H
#include <stdint.h>
#include <jansson.h>
#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "boardc.h"
#include "config.h"
#include "db.h"
#include "inventory.h"

#define BOARDS_MAX_CHANNELS 48
#define BOARDS_REASON_MAX 255     /* bytes: boardd's limit, and door_commands.reason */
#define BOARDS_NOTE_MAX 500       /* characters: door_alarms.ack_note */
/* "bo-" and 32 hex digits: the command id the back office puts in its open form. */
#define BOARDS_BO_COMMAND_LEN 35

extern const int boards_bauds[];            /* 0-terminated, ascending */
extern const char *const boards_protocols[];  /* "cu", "modbus", NULL */

typedef struct boards_bus {
    const char *name, *device, *protocol;
    int baud, poll_ms, reply_timeout_ms, retries, open_confirm_ms, door_open_alarm_s, silent_after, enabled;
} boards_bus_t;

typedef struct boards_board {
    int address, channels, timed_pulse, pulse_ms;
} boards_board_t;

/* The table's defaults, for a new form. */
void boards_bus_defaults(boards_bus_t *b);
void boards_board_defaults(boards_board_t *b);

/* ---------- pure ---------- */

/* Each returns 0, or -1 with err naming the field and a code that is also
 * the key of its message (errors.field.<code>). */
int boards_validate_bus(const boards_bus_t *b, inv_error_t *err);
int boards_validate_board(const char *protocol, const boards_board_t *b, inv_error_t *err);
/* The addresses a protocol allows (CU 0-31, Modbus 1-247); -1 for an unknown one. */
int boards_address_range(const char *protocol, int *lo, int *hi);
/* The reason of an open, already trimmed (every caller trims it as a form
 * field is trimmed): 1 to BOARDS_REASON_MAX bytes. */
int boards_validate_reason(const char *reason, inv_error_t *err);
/* The note of an acknowledgement, already trimmed: 1 to BOARDS_NOTE_MAX characters. */
int boards_validate_note(const char *note, inv_error_t *err);
/* Where a bank of ncells cells goes on a board of `channels` locks from
 * channel `first` on: cell i (in number order) takes first + i.  taken has
 * channels + 1 entries; taken[ch] marks a channel already opening a cell
 * of another bank.  0, or -1 with err (bank: no_cells; first_channel:
 * bad_channel, too_few_channels, channel_taken; *clash then names the
 * channel). */
int boards_plan_wiring(int ncells, int first, int channels, const unsigned char *taken, int *clash,
                       inv_error_t *err);
/* 1 for "bo-" followed by 32 lowercase hex digits. */
int boards_valid_bo_command_id(const char *s);

/* A fresh back-office command id (libsodium's randombytes). */
void boards_new_bo_command_id(char out[BOARDS_BO_COMMAND_LEN + 1]);

/* ---------- changes: each one transaction with its audit row ---------- */

/* Return DB_OK; DB_ERR with err set when the change is refused (a taken
 * name or address, a protocol the boards' addresses do not fit, fewer
 * channels than are wired); DB_ERR_FK when the parent is gone; or
 * another db_status. */
int boards_bus_create(db_t *db, const audit_actor_t *who, int64_t site_id, const boards_bus_t *b,
                      int64_t *id, inv_error_t *err);
int boards_bus_update(db_t *db, const audit_actor_t *who, int64_t id, const boards_bus_t *b, inv_error_t *err);
int boards_board_create(db_t *db, const audit_actor_t *who, int64_t bus_id, const boards_board_t *b,
                        int64_t *id, inv_error_t *err);
int boards_board_update(db_t *db, const audit_actor_t *who, int64_t id, const boards_board_t *b, inv_error_t *err);
/* Replaces the locks of every cell of the bank: cells in number order on
 * consecutive channels of the board from first on (board_id 0: the bank's
 * cells are left without locks).  The board must be on the bank's site. */
int boards_wire_bank(db_t *db, const audit_actor_t *who, int64_t bank_id, int64_t board_id, int first,
                     int has_sensor, inv_error_t *err);
/* Acknowledges an alarm that is not acknowledged yet (already_acked
 * otherwise: two clerks never both acknowledge one alarm). */
int boards_alarm_ack(db_t *db, const audit_actor_t *who, int64_t alarm_id, const char *note, inv_error_t *err);

/* ---------- opening a cell ---------- */

/* boardd may fire an open up to 30 s after it was asked for, and a program
 * waits at most 15 s for its end (a door sensor confirms within seconds). */
#define BOARDS_OPEN_EXPIRY_MS 30000
#define BOARDS_OPEN_WAIT_MS 15000

typedef struct boards_open {
    int db_rc;                /* not DB_OK: the database failed, nothing was sent */
    int id_reused;            /* the command id was used for another cell: nothing was sent */
    int not_wired;            /* the cell has no lock: nothing audited, nothing sent */
    int bus_disabled;         /* its lock's bus is switched off: nothing audited, nothing sent */
    int status;               /* otherwise boardc_open's status ... */
    boardc_result_t result;   /* ... its result ... */
    char err[300];            /* ... and what went wrong on the way */
} boards_open_t;

/* Opens a wired cell on behalf of actor ("staff:<name>", "api:<key>");
 * the caller has checked that the cell exists and its site may be seen.
 * Refused before anything is audited or sent: a command id boardd holds
 * for another cell (boardd would answer it with that cell's outcome), a
 * cell without a lock, a lock on a switched-off bus.  A new command id is
 * audited (with the cell's own site) before boardd is asked, so even a
 * command whose answer never comes is on record with who asked and why; a
 * retry of a stored one is not audited again. */
void boards_open_cell(db_t *db, arena_t *a, const config_t *cfg, const audit_actor_t *who, int64_t cell_id,
                      const char *command_id, const char *reason, const char *actor, boards_open_t *out);

/* ---------- reads ---------- */

/* The site a bus, board or alarm belongs to; 0 when there is none. */
int64_t boards_site_of_bus(db_t *db, arena_t *a, int64_t bus_id);
int64_t boards_site_of_board(db_t *db, arena_t *a, int64_t board_id);
int64_t boards_site_of_alarm(db_t *db, arena_t *a, int64_t alarm_id);
/* Alarms not acknowledged yet on the sites the user may see. */
int boards_alarms_pending(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n);
/* Every wired cell of a site as {"<cell id>": {"door": "open|closed|unknown",
 * "occupied": 0|1|null, "alarm": "<kind>"|null}}.  An alarm counts while it
 * is not cleared or not acknowledged; one of a board (silent) shows on each
 * of its cells; the newest wins. */
int boards_doors(db_t *db, arena_t *a, int64_t site_id, json_t **cells);

#endif
