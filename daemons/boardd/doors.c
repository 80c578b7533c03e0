/* What a bus thread learns, written to the database: door states and
 * their changes, the boards' health, commands' outcomes, and alarms.
 * Only changes are written; polls that see nothing new write nothing. */
#include <stdio.h>
#include <string.h>
#include "driver.h"
#include "log.h"

#define STATS_FLUSH_MS 1000.0
/* A door seen open this soon after its unlock was acknowledged is the
 * command's doing, not a forced door. */
#define COMMANDED_SLACK_MS 1000.0

static const char *door_name(int door)
{
    return door == BD_DOOR_OPEN ? "open" : door == BD_DOOR_CLOSED ? "closed" : "unknown";
}

static void raise_alarm(bd_bus_t *bus, const char *kind, int64_t cell_id, int64_t board_id, const char *detail)
{
    /* The unique active key makes a second raise of a live alarm a no-op. */
    long n = db_exec(bus->db, "INSERT IGNORE INTO door_alarms (site_id, kind, cell_id, board_id, detail)"
                              " VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)",
                     "isiis", bus->site_id, kind, cell_id, board_id, detail);
    if (n < 0) log_error("bus %s: cannot raise %s: %s", bus->name, kind, db_error(bus->db));
    else if (n > 0) log_warn("bus %s: alarm %s: %s", bus->name, kind, detail);
}

static void clear_alarms(bd_bus_t *bus, const char *kinds, int64_t cell_id, int64_t board_id)
{
    long n = db_exec(bus->db, "UPDATE door_alarms SET cleared_at = UTC_TIMESTAMP(6) WHERE cleared_at IS NULL"
                              " AND FIND_IN_SET(kind, ?) AND cell_id <=> NULLIF(?, 0) AND board_id <=> NULLIF(?, 0)",
                     "sii", kinds, cell_id, board_id);
    if (n < 0) log_error("bus %s: cannot clear %s: %s", bus->name, kinds, db_error(bus->db));
}

void bd_doors_load(bd_bus_t *bus)
{
    arena_t *a = arena_new(8192);
    db_res_t *r = NULL;
    if (!a) return;
    if (db_query(bus->db, a, &r,
                 "SELECT s.cell_id, s.door, s.occupied,"
                 " EXISTS (SELECT 1 FROM door_alarms x WHERE x.cell_id = s.cell_id AND x.kind = 'door_left_open'"
                 "         AND x.cleared_at IS NULL)"
                 " FROM door_states s JOIN cell_locks l ON l.cell_id = s.cell_id JOIN boards b ON b.id = l.board_id"
                 " WHERE b.bus_id = ?", "i", bus->id) == DB_OK) {
        double now = bd_now_ms();
        for (int i = 0; i < r->nrows; i++) {
            int64_t cell = db_cell_int(r, i, 0);
            for (int k = 0; k < bus->nboards; k++)
                for (int c = 0; c < bus->boards[k].channels; c++) {
                    bd_lock_t *l = &bus->boards[k].locks[c];
                    if (l->cell_id != cell) continue;
                    const char *door = db_cell(r, i, 1);
                    l->door = !strcmp(door, "open") ? BD_DOOR_OPEN : !strcmp(door, "closed") ? BD_DOOR_CLOSED
                                                                                           : BD_DOOR_UNKNOWN;
                    l->item = db_cell(r, i, 2) ? (int)db_cell_int(r, i, 2) : -1;
                    l->opened_at = now;      /* the left-open timer restarts with boardd */
                    l->left_open_raised = (int)db_cell_int(r, i, 3);
                }
        }
    }
    arena_free(a);
}

void bd_doors_observe(bd_bus_t *bus, bd_board_t *b, int channel, int door, int item, int64_t command_row)
{
    bd_lock_t *l = &b->locks[channel - 1];
    if (!l->cell_id || (door == l->door && item == l->item)) return;
    double now = bd_now_ms();
    int opened = door == BD_DOOR_OPEN && l->door != BD_DOOR_OPEN;
    int forced = 0;
    if (opened && !command_row && l->unlocked_at > 0
        && now - l->unlocked_at <= bus->open_confirm_ms + bus->poll_ms + COMMANDED_SLACK_MS)
        command_row = l->unlock_row;
    if (opened && !command_row && l->door == BD_DOOR_CLOSED) forced = 1;
    if (!opened) command_row = 0;        /* only an opening is a command's doing */

    const char *occupied = item < 0 ? NULL : item ? "1" : "0";
    int rc = db_begin(bus->db);
    if (rc == DB_OK)
        rc = db_exec(bus->db, "INSERT INTO door_states (cell_id, site_id, door, occupied, changed_at)"
                              " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE door = VALUES(door),"
                              " occupied = VALUES(occupied), changed_at = VALUES(changed_at)",
                     "iiss", l->cell_id, l->site_id, door_name(door), occupied) < 0 ? DB_ERR : DB_OK;
    if (rc == DB_OK)
        rc = db_exec(bus->db, "INSERT INTO door_events (site_id, cell_id, door, occupied, command_id)"
                              " VALUES (?, ?, ?, ?, NULLIF(?, 0))",
                     "iissi", l->site_id, l->cell_id, door_name(door), occupied, command_row) < 0 ? DB_ERR : DB_OK;
    if (rc == DB_OK) rc = db_commit(bus->db);
    if (rc != DB_OK) {
        db_rollback(bus->db);
        log_error("bus %s: cannot store the door of cell %lld: %s", bus->name, (long long)l->cell_id,
                  db_error(bus->db));
        return;                     /* not remembered: the next poll tries again */
    }
    if (opened) {
        /* One unlock explains one opening: the next is forced. */
        if (command_row) { l->unlocked_at = 0; l->unlock_row = 0; }
        l->opened_at = now;
        l->left_open_raised = 0;
        clear_alarms(bus, "jam", l->cell_id, 0);
    }
    if (forced) {
        char detail[128];
        snprintf(detail, sizeof detail, "board %d lock %d opened without a command", b->address, channel);
        raise_alarm(bus, "door_forced", l->cell_id, 0, detail);
    }
    if (door == BD_DOOR_CLOSED && l->door == BD_DOOR_OPEN) clear_alarms(bus, "door_left_open,door_forced", l->cell_id, 0);
    l->door = door;
    l->item = item;
}

void bd_doors_tick(bd_bus_t *bus, double now)
{
    for (int i = 0; i < bus->nboards; i++) {
        bd_board_t *b = &bus->boards[i];
        for (int c = 0; c < b->channels; c++) {
            bd_lock_t *l = &b->locks[c];
            if (l->door != BD_DOOR_OPEN || l->left_open_raised) continue;
            if (now - l->opened_at < bus->door_open_alarm_s * 1000.0) continue;
            char detail[128];
            snprintf(detail, sizeof detail, "open longer than %d s", bus->door_open_alarm_s);
            raise_alarm(bus, "door_left_open", l->cell_id, 0, detail);
            l->left_open_raised = 1;
        }
    }
}

static void set_status(bd_bus_t *bus, bd_board_t *b, int status)
{
    pthread_mutex_lock(&bus->mu);
    b->status = status;
    pthread_mutex_unlock(&bus->mu);
    if (db_exec(bus->db, "UPDATE boards SET status = ? WHERE id = ?", "si",
                status == BD_BOARD_OK ? "ok" : "silent", b->id) < 0)
        log_error("bus %s: cannot store board status: %s", bus->name, db_error(bus->db));
}

void bd_doors_board_answered(bd_bus_t *bus, bd_board_t *b)
{
    b->misses = 0;
    if (b->status == BD_BOARD_OK) return;
    int was_silent = b->status == BD_BOARD_SILENT;
    set_status(bus, b, BD_BOARD_OK);
    if (was_silent) {
        log_info("bus %s: board %d answers again", bus->name, b->address);
        clear_alarms(bus, "board_silent", 0, b->id);
    }
}

void bd_doors_board_missed(bd_bus_t *bus, bd_board_t *b, const char *why)
{
    if (++b->misses < bus->silent_after || b->status == BD_BOARD_SILENT) return;
    set_status(bus, b, BD_BOARD_SILENT);
    char detail[160];
    snprintf(detail, sizeof detail, "board %d on %s: %s", b->address, bus->name, why);
    raise_alarm(bus, "board_silent", 0, b->id, detail);
    /* Its doors can no longer be seen. */
    for (int c = 0; c < b->channels; c++)
        if (b->locks[c].has_sensor) bd_doors_observe(bus, b, c + 1, BD_DOOR_UNKNOWN, b->locks[c].item, 0);
}

void bd_doors_jam(bd_bus_t *bus, bd_board_t *b, int channel, const char *command_id)
{
    char detail[160];
    snprintf(detail, sizeof detail, "board %d lock %d did not open for command %s", b->address, channel, command_id);
    raise_alarm(bus, "jam", b->locks[channel - 1].cell_id, 0, detail);
}

void bd_doors_flush_stats(bd_bus_t *bus, int force)
{
    double now = bd_now_ms();
    if (!force && now < bus->next_flush) return;
    bus->next_flush = now + STATS_FLUSH_MS;
    for (int i = 0; i < bus->nboards; i++) {
        bd_board_t *b = &bus->boards[i];
        if (!b->stats_dirty) continue;
        pthread_mutex_lock(&bus->mu);
        int64_t ok = (int64_t)(b->frames_ok - b->flushed[0]), to = (int64_t)(b->timeouts - b->flushed[1]),
                bad = (int64_t)(b->bad_frames - b->flushed[2]);
        uint64_t now_counts[3] = { b->frames_ok, b->timeouts, b->bad_frames };
        char error[sizeof b->last_error], fw[sizeof b->firmware];
        memcpy(error, b->last_error, sizeof error);
        memcpy(fw, b->firmware, sizeof fw);
        pthread_mutex_unlock(&bus->mu);
        /* The row keeps totals over boardd's restarts: add what is new. */
        if (db_exec(bus->db, "UPDATE boards SET frames_ok = frames_ok + ?, timeouts = timeouts + ?,"
                             " bad_frames = bad_frames + ?, last_error = ?, firmware = IF(? = '', firmware, ?),"
                             " last_answer_at = IF(?, UTC_TIMESTAMP(6), last_answer_at) WHERE id = ?",
                    "iiisssIi", ok, to, bad, error, fw, fw, b->answered_since_flush, b->id) < 0) {
            log_error("bus %s: cannot store board counters: %s", bus->name, db_error(bus->db));
            continue;
        }
        memcpy(b->flushed, now_counts, sizeof now_counts);
        b->stats_dirty = 0;
        b->answered_since_flush = 0;
    }
}

int bd_command_finish(db_t *db, bd_job_t *job)
{
    return db_exec(db, "UPDATE door_commands SET state = ?, detail = ?, finished_at = UTC_TIMESTAMP(6) WHERE id = ?",
                   "ssi", job->outcome, job->detail, job->row_id) < 0 ? -1 : 0;
}
