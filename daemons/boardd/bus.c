/* One thread per bus.  Its loop, in order of urgency: check the doors of
 * acknowledged opens, fire the next queued command, poll the next board
 * that is due.  A board that stopped answering is polled rarely and with
 * one try, so a dead board costs the others on its bus little. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "driver.h"
#include "log.h"

#define CONFIRM_EVERY_MS 25.0     /* door sensor checks while an open is confirmed */
#define SILENT_POLL_MS 2000.0     /* a silent board is asked this often, once */
#define REOPEN_MS 1000.0          /* a missing device is tried again this often */

double bd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t bd_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bd_board_count(bd_bus_t *bus, bd_board_t *b, int ok, int timeout, int bad, const char *error)
{
    pthread_mutex_lock(&bus->mu);
    b->frames_ok += (uint64_t)ok;
    b->timeouts += (uint64_t)timeout;
    b->bad_frames += (uint64_t)bad;
    if (error) snprintf(b->last_error, sizeof b->last_error, "%s", error);
    pthread_mutex_unlock(&bus->mu);
    b->stats_dirty = 1;
    if (ok) b->answered_since_flush = 1;
}

void bd_board_firmware(bd_bus_t *bus, bd_board_t *b, const char *fw)
{
    pthread_mutex_lock(&bus->mu);
    snprintf(b->firmware, sizeof b->firmware, "%s", fw);
    pthread_mutex_unlock(&bus->mu);
    b->stats_dirty = 1;
}

void bd_job_done(boardd_t *d, bd_job_t *job)
{
    job->t_finished = bd_now_ms();
    job->next = NULL;
    pthread_mutex_lock(&d->done_mu);
    if (d->done_tail) d->done_tail->next = job; else d->done_head = job;
    d->done_tail = job;
    pthread_mutex_unlock(&d->done_mu);
    uint64_t one = 1;
    if (write(d->done_fd, &one, sizeof one) < 0) log_error("cannot wake the main loop: %s", strerror(errno));
}

void bd_bus_enqueue(bd_bus_t *bus, bd_job_t *job)
{
    job->next = NULL;
    pthread_mutex_lock(&bus->mu);
    if (bus->qtail) bus->qtail->next = job; else bus->qhead = job;
    bus->qtail = job;
    bus->qlen++;
    pthread_cond_signal(&bus->cv);
    pthread_mutex_unlock(&bus->mu);
}

void bd_bus_retire(bd_bus_t *bus)
{
    pthread_mutex_lock(&bus->mu);
    bus->stopping = 1;
    pthread_cond_signal(&bus->cv);
    pthread_mutex_unlock(&bus->mu);
}

static bd_job_t *dequeue(bd_bus_t *bus)
{
    pthread_mutex_lock(&bus->mu);
    bd_job_t *j = bus->qhead;
    if (j) {
        bus->qhead = j->next;
        if (!bus->qhead) bus->qtail = NULL;
        bus->qlen--;
    }
    pthread_mutex_unlock(&bus->mu);
    return j;
}

static void finish(bd_bus_t *bus, bd_job_t *job, const char *outcome, const char *detail)
{
    job->outcome = outcome;
    if (detail) snprintf(job->detail, sizeof job->detail, "%s", detail);
    if (bd_command_finish(bus->db, job) != 0) {
        /* The lock did what it did; the row says 'firing' until the next
         * start marks it unknown.  The caller still learns the outcome. */
        log_error("bus %s: cannot store outcome %s of %s: %s", bus->name, outcome, job->command_id,
                  db_error(bus->db));
    }
    bd_job_done(bus->d, job);
}

static void set_device_open(bd_bus_t *bus, int open)
{
    pthread_mutex_lock(&bus->mu);
    bus->device_open = open;
    pthread_mutex_unlock(&bus->mu);
}

static void close_device(bd_bus_t *bus, const char *why)
{
    if (!bus->io) return;
    log_warn("bus %s: closing %s: %s", bus->name, bus->device, why);
    bus->drv->close(bus->io);
    bus->io = NULL;
    set_device_open(bus, 0);
    bus->next_reopen = bd_now_ms() + REOPEN_MS;
}

static void open_device(bd_bus_t *bus)
{
    char err[256];
    bus->io = bus->drv->open(bus, err, sizeof err);
    if (!bus->io) {
        if (!bus->next_reopen) log_warn("bus %s: %s (trying every second)", bus->name, err);
        bus->next_reopen = bd_now_ms() + REOPEN_MS;
        return;
    }
    log_info("bus %s: %s open (%s, %d baud, %d boards)", bus->name, bus->device, bus->drv->name, bus->baud,
             bus->nboards);
    set_device_open(bus, 1);
    bus->last_frame_end = 0;
    for (int i = 0; i < bus->nboards && bus->io; i++) {
        bd_board_t *b = &bus->boards[i];
        int rc = bus->drv->start(bus, b);
        if (rc == BD_OK || rc == BD_REFUSED) bd_doors_board_answered(bus, b);
        else if (rc == BD_IO) close_device(bus, "the line failed");
        else bd_doors_board_missed(bus, b, "no answer at start-up");
        b->next_poll = bd_now_ms();
    }
}

/* ---------- commands ---------- */

static void run_open(bd_bus_t *bus, bd_job_t *job)
{
    bd_board_t *b = &bus->boards[job->board];
    if (bd_unix_ms() > job->expires_ms) { finish(bus, job, "expired", "expired in the queue; nothing was sent"); return; }
    if (!bus->io) { finish(bus, job, "no_answer", "the bus device is not available; nothing was sent"); return; }
    /* The row says 'firing' before the frame leaves: a crash from here on
     * leaves it for the next start to call unknown, never to fire again. */
    long n = db_exec(bus->db, "UPDATE door_commands SET state = 'firing', fired_at = UTC_TIMESTAMP(6)"
                              " WHERE id = ? AND state = 'queued'", "i", job->row_id);
    if (n != 1) {
        job->outcome = NULL;
        snprintf(job->detail, sizeof job->detail, "%s", n < 0 ? "database_unavailable" : "not_queued");
        bd_job_done(bus->d, job);
        return;
    }
    job->t_fired = bd_now_ms();
    int rc = bus->drv->unlock(bus, b, job->channel, 1 + bus->retries);
    job->t_answered = bd_now_ms();
    if (rc == BD_IO) close_device(bus, "the line failed");
    if (rc == BD_NO_ANSWER || rc == BD_IO) {
        bd_doors_board_missed(bus, b, "no answer to unlock");
        finish(bus, job, "no_answer", "the board did not answer");
        return;
    }
    bd_doors_board_answered(bus, b);
    if (rc == BD_REFUSED) { finish(bus, job, "refused", "the board has no such lock"); return; }
    bd_lock_t *l = &b->locks[job->channel - 1];
    l->unlocked_at = job->t_answered;
    l->unlock_row = job->row_id;
    if (!l->has_sensor) { finish(bus, job, "acknowledged", "no door sensor"); return; }
    job->confirm_deadline = job->t_answered + bus->open_confirm_ms;
    job->next_check = job->t_answered;
    job->next = bus->confirming;
    bus->confirming = job;
}

/* One sensor read for each open whose check is due. */
static void confirm_due(bd_bus_t *bus, double now)
{
    bd_job_t **pp = &bus->confirming;
    while (*pp) {
        bd_job_t *job = *pp;
        if (job->next_check > now || !bus->io) { pp = &job->next; continue; }
        bd_board_t *b = &bus->boards[job->board];
        int closed = 1;
        int rc = bus->drv->read_one(bus, b, job->channel, &closed);
        if (rc == BD_IO) close_device(bus, "the line failed");
        double t = bd_now_ms();
        const char *outcome = NULL, *detail = NULL;
        if (rc == BD_OK && !closed) {
            bd_doors_observe(bus, b, job->channel, BD_DOOR_OPEN, b->locks[job->channel - 1].item, job->row_id);
            outcome = "opened";
        } else if (t >= job->confirm_deadline) {
            if (rc == BD_OK) {
                outcome = "jammed";
                detail = "the door did not open";
                bd_doors_jam(bus, b, job->channel, job->command_id);
            } else {
                outcome = "acknowledged";
                detail = "the door sensor could not be read";
            }
        }
        if (!outcome) { job->next_check = t + CONFIRM_EVERY_MS; pp = &job->next; continue; }
        *pp = job->next;
        finish(bus, job, outcome, detail);
    }
}

static void run_replay(bd_bus_t *bus, bd_job_t *job)
{
    arena_t *a = arena_new(1024);
    db_res_t *r = NULL;
    if (a && db_query(bus->db, a, &r, "SELECT state, detail FROM door_commands WHERE id = ?", "i", job->row_id) == DB_OK
        && r->nrows == 1) {
        static const char *const final[] = { "opened", "jammed", "no_answer", "expired", "unknown", "refused",
                                              "acknowledged" };
        for (size_t i = 0; i < sizeof final / sizeof *final; i++)
            if (!strcmp(db_cell(r, 0, 0), final[i])) job->outcome = final[i];
        snprintf(job->detail, sizeof job->detail, "%s", db_cell(r, 0, 1));
    }
    if (!job->outcome) snprintf(job->detail, sizeof job->detail, "database_unavailable");
    arena_free(a);
    bd_job_done(bus->d, job);
}

static void run_scan(bd_bus_t *bus, bd_job_t *job)
{
    json_t *found = json_array();
    for (int addr = bus->drv->min_scan_address; bus->io && addr <= bus->drv->max_scan_address; addr++) {
        char fw[64];
        int rc = bus->drv->identify(bus, addr, fw, sizeof fw);
        if (rc == BD_IO) close_device(bus, "the line failed");
        if (rc == BD_OK || rc == BD_REFUSED)
            json_array_append_new(found, json_pack("{s:i,s:s}", "address", addr, "firmware", rc == BD_OK ? fw : ""));
    }
    if (bus->io) job->result = json_pack("{s:b,s:o}", "ok", 1, "found", found);
    else {
        json_decref(found);
        job->result = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "bus_unavailable", "message",
                                "the bus device is not available");
    }
    bd_job_done(bus->d, job);
}

/* ---------- polling ---------- */

static void poll_board(bd_bus_t *bus, bd_board_t *b)
{
    bd_doors_t doors;
    int silent = b->status == BD_BOARD_SILENT;
    int rc = bus->drv->read_all(bus, b, &doors, 1);
    double t = bd_now_ms();
    b->next_poll = t + (silent && rc != BD_OK ? SILENT_POLL_MS : bus->poll_ms);
    if (rc == BD_IO) { close_device(bus, "the line failed"); return; }
    if (rc != BD_OK) { bd_doors_board_missed(bus, b, "no answer to polling"); return; }
    bd_doors_board_answered(bus, b);
    for (int c = 0; c < b->channels && c < doors.n; c++) {
        const bd_lock_t *l = &b->locks[c];
        if (!l->cell_id) continue;
        int door = l->has_sensor ? (doors.closed[c] ? BD_DOOR_CLOSED : BD_DOOR_OPEN) : BD_DOOR_UNKNOWN;
        bd_doors_observe(bus, b, c + 1, door, doors.item[c], 0);
    }
}

static bd_board_t *due_board(bd_bus_t *bus, double now)
{
    bd_board_t *best = NULL;
    for (int i = 0; i < bus->nboards; i++) {
        bd_board_t *b = &bus->boards[i];
        if (b->next_poll <= now && (!best || b->next_poll < best->next_poll)) best = b;
    }
    return best;
}

static double next_wake(bd_bus_t *bus, double now)
{
    double t = now + 1000.0;
    for (bd_job_t *j = bus->confirming; j; j = j->next) if (j->next_check < t) t = j->next_check;
    if (bus->io) {
        for (int i = 0; i < bus->nboards; i++) if (bus->boards[i].next_poll < t) t = bus->boards[i].next_poll;
    } else if (bus->next_reopen < t) {
        t = bus->next_reopen;
    }
    return t;
}

static void wait_until(bd_bus_t *bus, double when)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double wait = when - bd_now_ms();
    if (wait <= 0) return;
    long long ns = (long long)ts.tv_nsec + (long long)(wait * 1e6);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&bus->mu);
    while (!bus->qhead && !bus->stopping)
        if (pthread_cond_timedwait(&bus->cv, &bus->mu, &ts) == ETIMEDOUT) break;
    pthread_mutex_unlock(&bus->mu);
}

static int should_exit(bd_bus_t *bus)
{
    pthread_mutex_lock(&bus->mu);
    int done = bus->stopping && !bus->qhead;
    pthread_mutex_unlock(&bus->mu);
    return done && !bus->confirming;
}

static void *bus_main(void *arg)
{
    bd_bus_t *bus = arg;
    if (bus->predecessor) {
        /* The same device under old settings: it finishes its queue first. */
        pthread_join(bus->predecessor->thread, NULL);
        bd_bus_free(bus->predecessor);
        bus->predecessor = NULL;
    }
    char err[256];
    while (!(bus->db = db_open(bus->d->cfg, "boardd", err, sizeof err)) && !bus->d->stop) {
        log_error("bus %s: %s", bus->name, err);
        sleep(1);
    }
    if (!bus->db) return NULL;
    bus->drv = bus->protocol == BD_MODBUS ? &bd_driver_modbus : &bd_driver_cu;
    bd_doors_load(bus);
    while (!bus->d->stop && !should_exit(bus)) {
        double now = bd_now_ms();
        if (!bus->io && now >= bus->next_reopen && !bus->stopping) open_device(bus);
        confirm_due(bus, now);
        bd_job_t *job = dequeue(bus);
        if (job) {
            if (job->kind == JOB_OPEN) run_open(bus, job);
            else if (job->kind == JOB_REPLAY) run_replay(bus, job);
            else run_scan(bus, job);
            continue;                       /* commands before polls */
        }
        bd_board_t *b = bus->io ? due_board(bus, bd_now_ms()) : NULL;
        if (b) poll_board(bus, b);
        bd_doors_tick(bus, bd_now_ms());
        bd_doors_flush_stats(bus, 0);
        if (!b) wait_until(bus, next_wake(bus, bd_now_ms()));
    }
    /* Stopping for good (not a reload): opens still being confirmed end
     * as acknowledged, queued ones are left for the next start (expired). */
    while (bus->confirming) {
        bd_job_t *job = bus->confirming;
        bus->confirming = job->next;
        finish(bus, job, "acknowledged", "boardd stopped before the door was seen");
    }
    bd_doors_flush_stats(bus, 1);
    if (bus->io) bus->drv->close(bus->io);
    bus->io = NULL;
    db_close(bus->db);
    bus->db = NULL;
    pthread_mutex_lock(&bus->mu);
    bus->exited = 1;
    bus->device_open = 0;
    pthread_mutex_unlock(&bus->mu);
    return NULL;
}

int bd_bus_start(bd_bus_t *bus)
{
    if (pthread_create(&bus->thread, NULL, bus_main, bus) != 0) return -1;
    bus->started = 1;
    return 0;
}
