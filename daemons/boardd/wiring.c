/* Buses, boards and the cells their locks open, as the database says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "arena.h"
#include "boardd.h"

static bd_bus_t *find_bus(bd_bus_t **buses, int n, int64_t id)
{
    for (int i = 0; i < n; i++) if (buses[i]->id == id) return buses[i];
    return NULL;
}

static bd_board_t *find_board(bd_bus_t **buses, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < buses[i]->nboards; j++)
            if (buses[i]->boards[j].id == id) return &buses[i]->boards[j];
    return NULL;
}

static bd_bus_t *bus_new(boardd_t *d, const db_res_t *r, int row)
{
    bd_bus_t *bus = calloc(1, sizeof *bus);
    if (!bus) return NULL;
    bus->d = d;
    bus->id = db_cell_int(r, row, 0);
    bus->site_id = db_cell_int(r, row, 1);
    snprintf(bus->name, sizeof bus->name, "%s", db_cell(r, row, 2));
    const char *dev = db_cell(r, row, 3);
    /* Relative devices are the simulator's terminals under the state directory. */
    if (dev[0] == '/') snprintf(bus->device, sizeof bus->device, "%s", dev);
    else snprintf(bus->device, sizeof bus->device, "%s/%s", d->var, dev);
    bus->baud = (int)db_cell_int(r, row, 4);
    bus->protocol = strcmp(db_cell(r, row, 5), "modbus") ? BD_CU : BD_MODBUS;
    bus->poll_ms = (int)db_cell_int(r, row, 6);
    bus->reply_timeout_ms = (int)db_cell_int(r, row, 7);
    bus->retries = (int)db_cell_int(r, row, 8);
    bus->open_confirm_ms = (int)db_cell_int(r, row, 9);
    bus->door_open_alarm_s = (int)db_cell_int(r, row, 10);
    bus->silent_after = (int)db_cell_int(r, row, 11);
    pthread_mutex_init(&bus->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&bus->cv, &ca);
    pthread_condattr_destroy(&ca);
    return bus;
}

/* Everything that matters to a running bus, hashed: a reload keeps a bus
 * whose hash did not change. */
static void sign(bd_bus_t *bus)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof bus->signature);
    char line[640];
    int n = snprintf(line, sizeof line, "%lld|%s|%s|%d|%d|%d|%d|%d|%d|%d|%d", (long long)bus->site_id, bus->name,
                     bus->device, bus->baud, bus->protocol, bus->poll_ms, bus->reply_timeout_ms, bus->retries,
                     bus->open_confirm_ms, bus->door_open_alarm_s, bus->silent_after);
    crypto_generichash_update(&st, (const unsigned char *)line, (size_t)n);
    for (int i = 0; i < bus->nboards; i++) {
        const bd_board_t *b = &bus->boards[i];
        n = snprintf(line, sizeof line, "/%lld:%d:%d:%d:%d", (long long)b->id, b->address, b->channels,
                     b->timed_pulse, b->pulse_ms);
        crypto_generichash_update(&st, (const unsigned char *)line, (size_t)n);
        for (int c = 0; c < b->channels; c++) {
            n = snprintf(line, sizeof line, ",%lld:%d", (long long)b->locks[c].cell_id, b->locks[c].has_sensor);
            crypto_generichash_update(&st, (const unsigned char *)line, (size_t)n);
        }
    }
    crypto_generichash_final(&st, bus->signature, sizeof bus->signature);
}

void bd_bus_free(bd_bus_t *bus)
{
    if (!bus) return;
    pthread_mutex_destroy(&bus->mu);
    pthread_cond_destroy(&bus->cv);
    free(bus->boards);
    free(bus);
}

static void free_all(bd_bus_t **buses, int n)
{
    for (int i = 0; i < n; i++) bd_bus_free(buses[i]);
    free(buses);
}

int bd_wiring_load(boardd_t *d, db_t *db, bd_bus_t ***out, int *nout, char *err, size_t errlen)
{
    arena_t *a = arena_new(16384);
    if (!a) { snprintf(err, errlen, "out of memory"); return -1; }
    db_res_t *rb = NULL, *rd = NULL, *rl = NULL;
    int rc = db_query(db, a, &rb,
        "SELECT id, site_id, name, device, baud, protocol, poll_ms, reply_timeout_ms, retries, open_confirm_ms,"
        " door_open_alarm_s, silent_after FROM board_buses WHERE enabled = 1 ORDER BY id", "");
    if (rc == DB_OK)
        rc = db_query(db, a, &rd,
            "SELECT b.id, b.bus_id, b.address, b.channels, b.timed_pulse, b.pulse_ms, b.firmware,"
            " (SELECT COUNT(*) FROM boards x WHERE x.bus_id = b.bus_id) FROM boards b"
            " JOIN board_buses u ON u.id = b.bus_id WHERE u.enabled = 1 ORDER BY b.bus_id, b.address", "");
    if (rc == DB_OK)
        rc = db_query(db, a, &rl,
            "SELECT l.board_id, l.channel, l.has_sensor, l.cell_id, c.site_id FROM cell_locks l"
            " JOIN cells c ON c.id = l.cell_id", "");
    if (rc != DB_OK) {
        snprintf(err, errlen, "reading the wiring: %s", db_error(db));
        arena_free(a);
        return -1;
    }
    bd_bus_t **buses = calloc((size_t)rb->nrows + 1, sizeof(bd_bus_t *));
    int n = 0;
    for (int i = 0; buses && i < rb->nrows; i++) {
        if (!(buses[n] = bus_new(d, rb, i))) break;
        n++;
    }
    if (!buses || n != rb->nrows) {
        if (buses) free_all(buses, n);
        snprintf(err, errlen, "out of memory");
        arena_free(a);
        return -1;
    }
    for (int i = 0; i < rd->nrows; i++) {
        bd_bus_t *bus = find_bus(buses, n, db_cell_int(rd, i, 1));
        if (!bus) continue;
        if (!bus->boards) {
            bus->boards = calloc((size_t)db_cell_int(rd, i, 7), sizeof *bus->boards);
            if (!bus->boards) { free_all(buses, n); arena_free(a); snprintf(err, errlen, "out of memory"); return -1; }
        }
        bd_board_t *b = &bus->boards[bus->nboards++];
        b->id = db_cell_int(rd, i, 0);
        b->address = (int)db_cell_int(rd, i, 2);
        b->channels = (int)db_cell_int(rd, i, 3);
        if (b->channels > BD_MAX_LOCKS) b->channels = BD_MAX_LOCKS;
        b->timed_pulse = (int)db_cell_int(rd, i, 4);
        b->pulse_ms = (int)db_cell_int(rd, i, 5);
        snprintf(b->firmware, sizeof b->firmware, "%s", db_cell(rd, i, 6));
        for (int c = 0; c < BD_MAX_LOCKS; c++) {
            b->locks[c].door = BD_DOOR_UNKNOWN;
            b->locks[c].item = -1;
        }
    }
    for (int i = 0; i < rl->nrows; i++) {
        bd_board_t *b = find_board(buses, n, db_cell_int(rl, i, 0));
        int ch = (int)db_cell_int(rl, i, 1);
        if (!b || ch < 1 || ch > b->channels) continue;
        bd_lock_t *l = &b->locks[ch - 1];
        l->has_sensor = (int)db_cell_int(rl, i, 2);
        l->cell_id = db_cell_int(rl, i, 3);
        l->site_id = db_cell_int(rl, i, 4);
    }
    for (int i = 0; i < n; i++) sign(buses[i]);
    arena_free(a);
    *out = buses;
    *nout = n;
    return 0;
}
