#include "boards.h"
#include "secret.h"
#include "utf8.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const int boards_bauds[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 0 };
const char *const boards_protocols[] = { "cu", "modbus", NULL };

void boards_bus_defaults(boards_bus_t *b)
{
    *b = (boards_bus_t){ .name = "", .device = "", .protocol = "cu", .baud = 9600, .poll_ms = 500,
                         .reply_timeout_ms = 100, .retries = 2, .open_confirm_ms = 3000,
                         .door_open_alarm_s = 120, .silent_after = 3, .enabled = 1 };
}

void boards_board_defaults(boards_board_t *b)
{
    *b = (boards_board_t){ .address = 1, .channels = 16, .timed_pulse = 1, .pulse_ms = 500 };
}

/* ---------- validation ---------- */

static int fail(inv_error_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return -1;
}

static int nonblank(const char *s)
{
    for (; s && *s; s++) if (*s != ' ' && *s != '\t') return 1;
    return 0;
}

static int in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

/* A serial device: an absolute path under /dev/ (/dev/ttyUSB0) or a
 * relative one, taken under the state directory (the simulator's
 * terminals).  Printable ASCII without blanks, and no ".." segment, so
 * neither kind leaves its directory: boardd opens and writes to whatever
 * is named here, so /etc/... or a file of the state must not be. */
static int device_ok(const char *d)
{
    size_t n = d ? strlen(d) : 0;
    if (n == 0 || n > 255) return 0;
    if (d[0] == '/' && (strncmp(d, "/dev/", 5) != 0 || n == 5)) return 0;
    for (const char *p = d; *p; p++) if (*p <= 0x20 || *p > 0x7e) return 0;
    for (const char *p = d; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == d || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) return 0;
    return 1;
}

int boards_address_range(const char *protocol, int *lo, int *hi)
{
    if (protocol && !strcmp(protocol, "cu")) { *lo = 0; *hi = 31; return 0; }
    if (protocol && !strcmp(protocol, "modbus")) { *lo = 1; *hi = 247; return 0; }
    return -1;
}

int boards_validate_bus(const boards_bus_t *b, inv_error_t *err)
{
    if (!nonblank(b->name)) return fail(err, "name", "required");
    if (utf8_chars(b->name) > 64) return fail(err, "name", "too_long");
    if (!b->device || !*b->device) return fail(err, "device", "required");
    if (!device_ok(b->device)) return fail(err, "device", "bad_device");
    int baud_ok = 0;
    for (int i = 0; boards_bauds[i]; i++) baud_ok |= boards_bauds[i] == b->baud;
    if (!baud_ok) return fail(err, "baud", "bad_baud");
    int lo, hi;
    if (boards_address_range(b->protocol, &lo, &hi) != 0) return fail(err, "protocol", "bad_protocol");
    if (!in_range(b->poll_ms, 50, 60000)) return fail(err, "poll_ms", "bad_poll_ms");
    if (!in_range(b->reply_timeout_ms, 5, 5000)) return fail(err, "reply_timeout_ms", "bad_reply_timeout");
    if (!in_range(b->retries, 0, 5)) return fail(err, "retries", "bad_retries");
    if (!in_range(b->open_confirm_ms, 100, 60000)) return fail(err, "open_confirm_ms", "bad_open_confirm");
    if (!in_range(b->door_open_alarm_s, 5, 86400)) return fail(err, "door_open_alarm_s", "bad_door_open_alarm");
    if (!in_range(b->silent_after, 1, 100)) return fail(err, "silent_after", "bad_silent_after");
    if (!in_range(b->enabled, 0, 1)) return fail(err, "enabled", "invalid");
    return 0;
}

int boards_validate_board(const char *protocol, const boards_board_t *b, inv_error_t *err)
{
    int lo, hi;
    if (boards_address_range(protocol, &lo, &hi) != 0) return fail(err, "protocol", "bad_protocol");
    if (!in_range(b->address, lo, hi))
        return fail(err, "address", !strcmp(protocol, "cu") ? "bad_address_cu" : "bad_address_modbus");
    if (!in_range(b->channels, 1, BOARDS_MAX_CHANNELS)) return fail(err, "channels", "bad_channels");
    if (!in_range(b->timed_pulse, 0, 1)) return fail(err, "timed_pulse", "invalid");
    if (!in_range(b->pulse_ms, 100, 10000)) return fail(err, "pulse_ms", "bad_pulse_ms");
    return 0;
}

int boards_validate_reason(const char *reason, inv_error_t *err)
{
    if (!nonblank(reason)) return fail(err, "reason", "required");
    if (strlen(reason) > BOARDS_REASON_MAX) return fail(err, "reason", "too_long");
    return 0;
}

int boards_validate_note(const char *note, inv_error_t *err)
{
    if (!nonblank(note)) return fail(err, "note", "required");
    if (utf8_chars(note) > BOARDS_NOTE_MAX) return fail(err, "note", "too_long");
    return 0;
}

int boards_plan_wiring(int ncells, int first, int channels, const unsigned char *taken, int *clash,
                       inv_error_t *err)
{
    if (clash) *clash = 0;
    /* Its own message: "too few channels" would send the clerk looking for
     * a bigger board when the bank has nothing to wire. */
    if (ncells < 1) return fail(err, "bank", "no_cells");
    if (channels < 1 || channels > BOARDS_MAX_CHANNELS || !in_range(first, 1, channels))
        return fail(err, "first_channel", "bad_channel");
    if (ncells > channels - first + 1) return fail(err, "first_channel", "too_few_channels");
    for (int ch = first; ch < first + ncells; ch++)
        if (taken && taken[ch]) {
            if (clash) *clash = ch;
            return fail(err, "first_channel", "channel_taken");
        }
    return 0;
}

int boards_valid_bo_command_id(const char *s)
{
    if (!s || strlen(s) != BOARDS_BO_COMMAND_LEN || strncmp(s, "bo-", 3) != 0) return 0;
    for (s += 3; *s; s++) if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
    return 1;
}

void boards_new_bo_command_id(char out[BOARDS_BO_COMMAND_LEN + 1])
{
    uint8_t raw[16];
    char hex[2 * sizeof raw + 1];
    randombytes_buf(raw, sizeof raw);
    secret_hex(hex, raw, sizeof raw);
    snprintf(out, BOARDS_BO_COMMAND_LEN + 1, "bo-%s", hex);
}

/* ---------- changes ---------- */

/* Commits, or rolls back and passes the failure on. */
static int finish(db_t *db, int rc)
{
    if (rc == DB_OK) return db_commit(db);
    db_rollback(db);
    return rc;
}

static int audit_json(db_t *db, const audit_actor_t *who, const char *action, const char *type, int64_t id,
                      int64_t site, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    if (!text) return DB_ERR;
    int rc = audit_write(db, who, action, type, id, site, text);
    free(text);
    return rc;
}

static json_t *bus_json(const boards_bus_t *b)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "name", b->name, "device", b->device,
                     "protocol", b->protocol, "baud", b->baud, "poll_ms", b->poll_ms,
                     "reply_timeout_ms", b->reply_timeout_ms, "retries", b->retries,
                     "open_confirm_ms", b->open_confirm_ms, "door_open_alarm_s", b->door_open_alarm_s,
                     "silent_after", b->silent_after, "enabled", b->enabled);
}

int boards_bus_create(db_t *db, const audit_actor_t *who, int64_t site_id, const boards_bus_t *b,
                      int64_t *id, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    long n = db_exec(db,
        "INSERT INTO board_buses (site_id, name, device, baud, protocol, poll_ms, reply_timeout_ms, retries,"
        " open_confirm_ms, door_open_alarm_s, silent_after, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "issIsIIIIIII", site_id, b->name, b->device, b->baud, b->protocol, b->poll_ms, b->reply_timeout_ms,
        b->retries, b->open_confirm_ms, b->door_open_alarm_s, b->silent_after, b->enabled);
    if (n == DB_ERR_DUP) { fail(err, "name", "taken"); n = DB_ERR; }
    if (n < 0) return finish(db, (int)n);
    *id = db_last_id(db);
    return finish(db, audit_json(db, who, "bus.create", "board_bus", *id, site_id, bus_json(b)));
}

int boards_bus_update(db_t *db, const audit_actor_t *who, int64_t id, const boards_bus_t *b, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(4096);
    db_res_t *r;
    /* The bus row stays locked to the end, so no board can be added with
     * an address of the old protocol while the protocol changes. */
    rc = db_query(db, a, &r, "SELECT site_id FROM board_buses WHERE id = ? FOR UPDATE", "i", id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    if (rc == DB_OK && !site) rc = DB_ERR_FK;
    int lo = 0, hi = 0;
    boards_address_range(b->protocol, &lo, &hi);
    if (rc == DB_OK)
        rc = db_query(db, a, &r, "SELECT COUNT(*) FROM boards WHERE bus_id = ? AND (address < ? OR address > ?)",
                      "iII", id, lo, hi);
    if (rc == DB_OK && db_cell_int(r, 0, 0) > 0) { fail(err, "protocol", "boards_out_of_range"); rc = DB_ERR; }
    arena_free(a);
    if (rc) return finish(db, rc);
    long n = db_exec(db,
        "UPDATE board_buses SET name = ?, device = ?, baud = ?, protocol = ?, poll_ms = ?, reply_timeout_ms = ?,"
        " retries = ?, open_confirm_ms = ?, door_open_alarm_s = ?, silent_after = ?, enabled = ?,"
        " updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
        "ssIsIIIIIIIi", b->name, b->device, b->baud, b->protocol, b->poll_ms, b->reply_timeout_ms, b->retries,
        b->open_confirm_ms, b->door_open_alarm_s, b->silent_after, b->enabled, id);
    if (n == DB_ERR_DUP) { fail(err, "name", "taken"); n = DB_ERR; }
    if (n < 0) return finish(db, (int)n);
    return finish(db, audit_json(db, who, "bus.update", "board_bus", id, site, bus_json(b)));
}

static json_t *board_json(int64_t bus_id, const boards_board_t *b)
{
    return json_pack("{s:I, s:i, s:i, s:b, s:i}", "bus_id", (json_int_t)bus_id, "address", b->address,
                     "channels", b->channels, "timed_pulse", b->timed_pulse, "pulse_ms", b->pulse_ms);
}

/* Locks the bus and checks the board against its protocol: DB_OK with
 * *site, or DB_ERR with err set, DB_ERR_FK when the bus is gone. */
static int lock_bus_for(db_t *db, int64_t bus_id, const boards_board_t *b, int64_t *site, inv_error_t *err)
{
    arena_t *a = arena_new(4096);
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id, protocol FROM board_buses WHERE id = ? FOR UPDATE", "i", bus_id);
    if (rc == DB_OK && r->nrows != 1) rc = DB_ERR_FK;
    if (rc == DB_OK) {
        *site = db_cell_int(r, 0, 0);
        if (boards_validate_board(db_cell(r, 0, 1), b, err) != 0) rc = DB_ERR;
    }
    arena_free(a);
    return rc;
}

int boards_board_create(db_t *db, const audit_actor_t *who, int64_t bus_id, const boards_board_t *b,
                        int64_t *id, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    int64_t site = 0;
    if ((rc = lock_bus_for(db, bus_id, b, &site, err)) != DB_OK) return finish(db, rc);
    long n = db_exec(db, "INSERT INTO boards (bus_id, address, channels, timed_pulse, pulse_ms) VALUES (?, ?, ?, ?, ?)",
                     "iIIII", bus_id, b->address, b->channels, b->timed_pulse, b->pulse_ms);
    if (n == DB_ERR_DUP) { fail(err, "address", "address_taken"); n = DB_ERR; }
    if (n < 0) return finish(db, (int)n);
    *id = db_last_id(db);
    return finish(db, audit_json(db, who, "board.create", "board", *id, site, board_json(bus_id, b)));
}

int boards_board_update(db_t *db, const audit_actor_t *who, int64_t id, const boards_board_t *b, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(4096);
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT bus_id FROM boards WHERE id = ? FOR UPDATE", "i", id);
    int64_t bus = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0, site = 0;
    if (rc == DB_OK && !bus) rc = DB_ERR_FK;
    if (rc == DB_OK) rc = lock_bus_for(db, bus, b, &site, err);
    /* Wired cells keep their channels: the board cannot shrink under them. */
    if (rc == DB_OK) rc = db_query(db, a, &r, "SELECT COALESCE(MAX(channel), 0) FROM cell_locks WHERE board_id = ?", "i", id);
    if (rc == DB_OK && db_cell_int(r, 0, 0) > b->channels) { fail(err, "channels", "channels_wired"); rc = DB_ERR; }
    arena_free(a);
    if (rc) return finish(db, rc);
    long n = db_exec(db, "UPDATE boards SET address = ?, channels = ?, timed_pulse = ?, pulse_ms = ? WHERE id = ?",
                     "IIIIi", b->address, b->channels, b->timed_pulse, b->pulse_ms, id);
    if (n == DB_ERR_DUP) { fail(err, "address", "address_taken"); n = DB_ERR; }
    if (n < 0) return finish(db, (int)n);
    return finish(db, audit_json(db, who, "board.update", "board", id, site, board_json(bus, b)));
}

/* The wiring proper, inside the transaction; a holds the queries. */
static int wire(db_t *db, arena_t *a, const audit_actor_t *who, int64_t bank_id, int64_t board_id, int first,
                int has_sensor, inv_error_t *err)
{
    db_res_t *bank, *board = NULL, *cells, *used;
    int rc = db_query(db, a, &bank, "SELECT site_id FROM banks WHERE id = ?", "i", bank_id);
    if (rc) return rc;
    if (bank->nrows != 1) return fail(err, "bank", "not_found"), DB_ERR_FK;
    int64_t site = db_cell_int(bank, 0, 0);
    if (board_id) {
        /* The board row stays locked to the end: two banks wired to one
         * board at once are taken one after the other. */
        rc = db_query(db, a, &board, "SELECT b.channels FROM boards b JOIN board_buses u ON u.id = b.bus_id"
                      " WHERE b.id = ? AND u.site_id = ? FOR UPDATE", "ii", board_id, site);
        if (rc) return rc;
        if (board->nrows != 1) return fail(err, "board", "bad_board"), DB_ERR;
    }
    rc = db_query(db, a, &cells, "SELECT id FROM cells WHERE bank_id = ? ORDER BY number", "i", bank_id);
    if (rc) return rc;
    json_t *detail;
    if (board_id) {
        int channels = (int)db_cell_int(board, 0, 0);
        rc = db_query(db, a, &used, "SELECT l.channel FROM cell_locks l JOIN cells c ON c.id = l.cell_id"
                      " WHERE l.board_id = ? AND c.bank_id <> ?", "ii", board_id, bank_id);
        if (rc) return rc;
        unsigned char taken[BOARDS_MAX_CHANNELS + 2] = { 0 };
        for (int i = 0; i < used->nrows; i++) {
            int64_t ch = db_cell_int(used, i, 0);
            if (ch >= 1 && ch <= BOARDS_MAX_CHANNELS) taken[ch] = 1;
        }
        if (boards_plan_wiring(cells->nrows, first, channels, taken, NULL, err) != 0) return DB_ERR;
        detail = json_pack("{s:I, s:i, s:i, s:b, s:i}", "board_id", (json_int_t)board_id, "first_channel", first,
                           "last_channel", first + cells->nrows - 1, "has_sensor", has_sensor, "cells", cells->nrows);
    } else {
        detail = json_object();
    }
    long n = db_exec(db, "DELETE l FROM cell_locks l JOIN cells c ON c.id = l.cell_id WHERE c.bank_id = ?", "i", bank_id);
    for (int i = 0; n >= 0 && board_id && i < cells->nrows; i++)
        n = db_exec(db, "INSERT INTO cell_locks (cell_id, board_id, channel, has_sensor) VALUES (?, ?, ?, ?)",
                    "iiII", db_cell_int(cells, i, 0), board_id, first + i, has_sensor);
    /* The unique (board, channel) key is the last word against a race the
     * locks above do not cover. */
    if (n == DB_ERR_DUP) { json_decref(detail); return fail(err, "first_channel", "channel_taken"), DB_ERR; }
    if (n < 0) { json_decref(detail); return (int)n; }
    return audit_json(db, who, board_id ? "bank.wire" : "bank.unwire", "bank", bank_id, site, detail);
}

int boards_wire_bank(db_t *db, const audit_actor_t *who, int64_t bank_id, int64_t board_id, int first,
                     int has_sensor, inv_error_t *err)
{
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(8192);
    rc = a ? wire(db, a, who, bank_id, board_id, first, has_sensor ? 1 : 0, err) : DB_ERR;
    arena_free(a);
    return finish(db, rc);
}

int boards_alarm_ack(db_t *db, const audit_actor_t *who, int64_t alarm_id, const char *note, inv_error_t *err)
{
    if (boards_validate_note(note, err) != 0) return DB_ERR;
    int rc = db_begin(db);
    if (rc) return rc;
    arena_t *a = arena_new(4096);
    db_res_t *r;
    rc = db_query(db, a, &r, "SELECT site_id, kind FROM door_alarms WHERE id = ?", "i", alarm_id);
    int64_t site = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    const char *kind = site ? arena_strdup(a, db_cell(r, 0, 1)) : NULL;
    if (rc == DB_OK && !site) rc = DB_ERR_FK;
    /* The condition on acked_at is the guard: of two clerks acknowledging
     * at once, the second changes no row and is told so. */
    long n = rc ? rc : db_exec(db, "UPDATE door_alarms SET acked_at = UTC_TIMESTAMP(6), acked_by = ?, ack_note = ?"
                                   " WHERE id = ? AND acked_at IS NULL", "ssi", who->name, note, alarm_id);
    if (n == 0) { fail(err, "note", "already_acked"); n = DB_ERR; }
    if (n >= 0) n = audit_json(db, who, "alarm.ack", "door_alarm", alarm_id, site,
                               json_pack("{s:s, s:s}", "kind", kind ? kind : "", "note", note));
    arena_free(a);
    return finish(db, (int)n);
}

/* ---------- opening a cell ---------- */

void boards_open_cell(db_t *db, arena_t *a, const config_t *cfg, const audit_actor_t *who, int64_t cell_id,
                      const char *command_id, const char *reason, const char *actor, boards_open_t *out)
{
    memset(out, 0, sizeof *out);
    db_res_t *res;
    out->db_rc = db_query(db, a, &res, "SELECT cell_id FROM door_commands WHERE command_id = ?", "s", command_id);
    if (out->db_rc != DB_OK) return;
    if (res->nrows == 1 && db_cell_int(res, 0, 0) != cell_id) {
        out->id_reused = 1;
        return;
    }
    /* boardd holds the id for this cell: the open is a retry (an API
     * client after a timeout, a form sent twice) that boardd answers with
     * the first outcome without firing.  It was audited the first time.
     * (An id boardd never stored, as when it was not reachable, is audited
     * again: that first attempt sent nothing.) */
    int retry = res->nrows == 1;

    /* Checked here, for every caller alike, before anything is audited or
     * sent: boardd would refuse both as an unknown cell, which tells the
     * clerk less.  The site comes with the lock, from the database.
     * (Every caller's account needs SELECT on boards (id, bus_id) and
     * board_buses (id, enabled): sql/grants.sql.) */
    out->db_rc = db_query(db, a, &res, "SELECT c.site_id, u.enabled FROM cell_locks l JOIN cells c ON c.id = l.cell_id"
                          " JOIN boards b ON b.id = l.board_id JOIN board_buses u ON u.id = b.bus_id"
                          " WHERE l.cell_id = ?", "i", cell_id);
    if (out->db_rc != DB_OK) return;
    if (res->nrows != 1) { out->not_wired = 1; return; }
    if (!db_cell_int(res, 0, 1)) { out->bus_disabled = 1; return; }
    int64_t site_id = db_cell_int(res, 0, 0);

    if (!retry) {
        out->db_rc = audit_json(db, who, "cell.open", "cell", cell_id, site_id,
                                json_pack("{s:s, s:s}", "command_id", command_id, "reason", reason));
        if (out->db_rc != DB_OK) return;
    }

    char path[512];
    if (boardc_socket_path(cfg, path, sizeof path) != 0) {
        snprintf(out->err, sizeof out->err, "Boardd.Socket is too long");
        out->status = BOARDC_UNREACHABLE;
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    boardc_open_req_t q = { .cell_id = cell_id, .command_id = command_id, .reason = reason, .actor = actor,
                            .expires_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + BOARDS_OPEN_EXPIRY_MS };
    out->status = boardc_open(path, &q, BOARDS_OPEN_WAIT_MS, &out->result, out->err, sizeof out->err);
}

/* ---------- reads ---------- */

static int64_t one_id(db_t *db, arena_t *a, const char *sql, int64_t id)
{
    db_res_t *r;
    if (db_query(db, a, &r, sql, "i", id) != DB_OK || r->nrows != 1) return 0;
    return db_cell_int(r, 0, 0);
}

int64_t boards_site_of_bus(db_t *db, arena_t *a, int64_t bus_id)
{
    return one_id(db, a, "SELECT site_id FROM board_buses WHERE id = ?", bus_id);
}

int64_t boards_site_of_board(db_t *db, arena_t *a, int64_t board_id)
{
    return one_id(db, a, "SELECT u.site_id FROM boards b JOIN board_buses u ON u.id = b.bus_id WHERE b.id = ?", board_id);
}

int64_t boards_site_of_alarm(db_t *db, arena_t *a, int64_t alarm_id)
{
    return one_id(db, a, "SELECT site_id FROM door_alarms WHERE id = ?", alarm_id);
}

int boards_alarms_pending(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n)
{
    db_res_t *r;
    int rc = u->all_sites
        ? db_query(db, a, &r, "SELECT COUNT(*) FROM door_alarms WHERE acked_at IS NULL", "")
        : db_query(db, a, &r, "SELECT COUNT(*) FROM staff_user_sites us JOIN door_alarms d"
                              " ON d.site_id = us.site_id AND d.acked_at IS NULL WHERE us.user_id = ?", "i", u->id);
    if (rc) return rc;
    *n = db_cell_int(r, 0, 0);
    return DB_OK;
}

int boards_doors(db_t *db, arena_t *a, int64_t site_id, json_t **out)
{
    *out = NULL;
    db_res_t *doors, *alarms;
    int rc = db_query(db, a, &doors,
        "SELECT l.cell_id, l.board_id, COALESCE(d.door, 'unknown'), d.occupied FROM cell_locks l"
        " JOIN cells c ON c.id = l.cell_id LEFT JOIN door_states d ON d.cell_id = l.cell_id"
        " WHERE c.site_id = ? ORDER BY l.cell_id", "i", site_id);
    if (rc) return rc;
    /* Few alarms are live at a time: read them once and spread them over
     * the cells here rather than look them up per cell. */
    rc = db_query(db, a, &alarms,
        "SELECT kind, cell_id, board_id FROM door_alarms WHERE site_id = ?"
        " AND (cleared_at IS NULL OR acked_at IS NULL) ORDER BY id", "i", site_id);
    if (rc) return rc;
    json_t *cells = json_object();
    for (int i = 0; cells && i < doors->nrows; i++) {
        const char *occ = db_cell(doors, i, 3);
        json_t *o = json_pack("{s:s, s:o, s:n}", "door", db_cell(doors, i, 2),
                              "occupied", occ ? json_integer(db_cell_int(doors, i, 3) ? 1 : 0) : json_null(), "alarm");
        json_object_set_new(cells, db_cell(doors, i, 0), o);
    }
    for (int k = 0; cells && k < alarms->nrows; k++) {
        const char *kind = db_cell(alarms, k, 0);
        for (int i = 0; i < doors->nrows; i++) {
            int hit = db_cell(alarms, k, 1) ? db_cell_int(alarms, k, 1) == db_cell_int(doors, i, 0)
                                            : db_cell_int(alarms, k, 2) == db_cell_int(doors, i, 1);
            if (hit) json_object_set_new(json_object_get(cells, db_cell(doors, i, 0)), "alarm", json_string(kind));
        }
    }
    if (!cells) return DB_ERR;
    *out = cells;
    return DB_OK;
}
