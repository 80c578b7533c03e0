/* notifyd: the notification outbox and the scheduler (docs/notify.md).
 *
 *   notifyd -c strongroom.hdf [-w WORKER]        delivers, until SIGTERM
 *   notifyd -c strongroom.hdf COMMAND ...        the operator's commands (cli.c)
 *
 * Start-up: Notify.* is checked (a channel configured wrongly stops the
 * start with the key at fault), the database is awaited, the worker's
 * name is locked (two notifyds under one name would each take the
 * other's rows for leftovers) and the rows this worker left 'sending'
 * become 'unknown'.  Then it loops: claim due messages as transfers free
 * up, record what finished, run due jobs every Notify.PollMs.  SIGTERM
 * or SIGINT: nothing new is claimed, the messages in hand finish and are
 * recorded, and it exits 0. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <mysql.h>
#include <sodium.h>
#include "log.h"
#include "notifyd.h"
#include "stopsig.h"

#define RECORD_RETRY_MS 1000
#define STOP_RECORD_TRIES 10

typedef struct nd_run {
    const nd_settings_t *s;
    nd_jobs_ctx_t jobs;
    db_t *db;
    nd_engine_t e;
    int sfd;
    int stopping;
    int db_down;
} nd_run_t;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One line when the database goes away and one when it is back, not one
 * per turn of the loop. */
static void db_state(nd_run_t *r, int rc, const char *what)
{
    if (rc == DB_OK) {
        if (r->db_down) log_info("the database answers again");
        r->db_down = 0;
    } else if (!r->db_down) {
        log_warn("%s: database error %d (%s); trying again", what, rc, db_error(r->db));
        r->db_down = 1;
    }
}

static void on_signal(nd_run_t *r)
{
    struct signalfd_siginfo si;
    while (read(r->sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            log_info("SIGHUP: the config is read at start only; restart notifyd to apply a change");
        } else if (!r->stopping) {
            log_info("stopping: %d messages in hand finish first", r->e.inflight);
            r->stopping = 1;
        }
    }
}

static void claim(nd_run_t *r, int want, int *got, int *lost)
{
    arena_t *a = arena_new(65536);
    outbox_row_t *rows;
    int n = 0;
    int rc = a ? outbox_claim(r->db, a, r->s->worker, want, &rows, &n) : DB_ERR;
    db_state(r, rc, "claiming messages");
    /* A claim whose commit was lost with the connection may have left rows
     * 'sending' under this worker: released once nothing is in hand. */
    if (rc != DB_OK) *lost = 1;
    for (int i = 0; i < n; i++) nd_engine_start(&r->e, &rows[i]);
    arena_free(a);
    *got = rc == DB_OK ? n : -1;
}

static void run_jobs(nd_run_t *r, int *ran)
{
    int rc = schedule_run_due_with(r->db, nd_job_handlers, &r->jobs, &r->s->jobs, r->s->jobs_batch, ran);
    db_state(r, rc, "running scheduled jobs");
}

static double earliest(double a, double b) { return a < b ? a : b; }

static void serve(nd_run_t *r)
{
    const nd_settings_t *s = r->s;
    double next_claim = 0, next_jobs = 0, next_record = 0;
    int lost = 0, stop_tries = 0;
    for (;;) {
        double now = now_ms();
        int room = s->concurrency - r->e.inflight;
        /* Claims wait for half the slots to be free: fewer, larger
         * transactions.  Results not yet recorded hold claims back. */
        int may_claim = !r->stopping && !r->e.ndone && (r->e.inflight == 0 || room * 2 >= s->concurrency);
        if (may_claim && now >= next_claim) {
            int want = room < s->batch ? room : s->batch, got;
            claim(r, want, &got, &lost);
            /* A short batch means nothing more is due now. */
            next_claim = got == want ? now : now + (double)s->poll_ms;
        }
        if (!r->stopping && now >= next_jobs) {
            int ran = 0;
            run_jobs(r, &ran);
            next_jobs = ran == s->jobs_batch ? now : now + (double)s->poll_ms;
        }
        if ((lost || r->e.lost) && !r->e.inflight && !r->e.ndone) {
            long n = 0;
            if (outbox_release(r->db, s->worker, &n) == DB_OK) {
                if (n) log_warn("%ld claimed messages that never left were put back in the queue", n);
                lost = r->e.lost = 0;
            }
        }
        if (r->stopping && !r->e.inflight && !r->e.ndone) return;

        now = now_ms();
        room = s->concurrency - r->e.inflight;
        may_claim = !r->stopping && !r->e.ndone && (r->e.inflight == 0 || room * 2 >= s->concurrency);
        double wake = now + (double)s->poll_ms;
        if (may_claim) wake = earliest(wake, next_claim);
        if (!r->stopping) wake = earliest(wake, next_jobs);
        if (r->e.ndone) wake = earliest(wake, next_record);
        if (nd_engine_pump(&r->e, r->sfd, wake > now ? (long)(wake - now) : 0)) on_signal(r);

        if (r->e.ndone && now_ms() >= next_record) {
            int rc = nd_engine_record(&r->e, r->db);
            db_state(r, rc, "recording results");
            next_record = rc == DB_OK ? 0 : now_ms() + RECORD_RETRY_MS;
            if (rc != DB_OK && r->stopping && ++stop_tries >= STOP_RECORD_TRIES && !r->e.inflight) {
                log_error("%d results could not be recorded before the stop; their messages stay 'sending'"
                          " and become 'unknown' at the next start", r->e.ndone);
                return;
            }
        }
    }
}

/* Two notifyds under one name would take each other's rows for
 * leftovers.  The lock lives as long as the connection. */
static int lock_worker(db_t *db, const char *worker)
{
    arena_t *a = arena_new(512);
    if (!a) return -1;
    char name[64];
    snprintf(name, sizeof name, "sr_notifyd:%s", worker);
    db_res_t *res;
    int rc = db_query(db, a, &res, "SELECT GET_LOCK(?, 5)", "s", name);
    const char *v = rc == DB_OK ? db_cell(res, 0, 0) : NULL;
    int got = v && !strcmp(v, "1");
    arena_free(a);
    if (rc != DB_OK) return rc;
    return got ? DB_OK : 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: notifyd -c CONFIG [-w WORKER]\n"
                    "       notifyd -c CONFIG put | resend ID [REASON] | cancel ID [REASON] | schedule | unschedule KEY\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *worker = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "+c:w:")) != -1) {
        if (opt == 'c') cfg_path = optarg;
        else if (opt == 'w') worker = optarg;
        else return usage();
    }
    char err[512];
    config_t *cfg = config_load(cfg_path, err, sizeof err);
    if (!cfg) { fprintf(stderr, "notifyd: %s\n", err); return 1; }
    log_init("notifyd", config_get(cfg, "Log.Level", "info"));
    if (sodium_init() < 0 || mysql_library_init(0, NULL, NULL) != 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("library start-up failed");
        return 1;
    }
    if (optind < argc) {
        db_t *db = db_open(cfg, "notifyd", err, sizeof err);
        if (!db) { log_error("%s", err); return 1; }
        int rc = nd_cli(db, argc - optind, argv + optind);
        db_close(db);
        config_free(cfg);
        return rc;
    }

    static nd_settings_t s;
    if (nd_settings_load(cfg, worker, &s, err, sizeof err) != 0) {
        log_error("not starting: %s", err);
        nd_settings_free(&s);
        config_free(cfg);
        curl_global_cleanup();
        return 1;
    }
    db_t *db = db_open(cfg, "notifyd", err, sizeof err);
    if (!db) { log_error("not starting: %s", err); return 1; }

    static nd_run_t r;
    r.s = &s;
    r.jobs.cfg = cfg;
    r.db = db;
    /* Signals arrive through a descriptor the loop polls with curl's. */
    r.sfd = stopsig_fd();
    if (r.sfd < 0 || nd_engine_init(&r.e, &s) != 0) { log_error("start-up failed (signals or libcurl)"); return 1; }

    while (db_ping(db) != DB_OK) {
        log_warn("waiting for the database: %s", db_error(db));
        sleep(1);
        on_signal(&r);
        if (r.stopping) return 0;
    }
    int rc = lock_worker(db, s.worker);
    if (rc != DB_OK) {
        log_error(rc == 1 ? "another notifyd runs as worker %s: give each its own Notify.Worker (or -w)"
                          : "cannot take the worker lock for %s", s.worker);
        return 1;
    }
    long unknown = 0;
    if (outbox_recover(db, s.worker, &unknown) != DB_OK) { log_error("start-up: %s", db_error(db)); return 1; }
    if (unknown)
        log_warn("%ld messages were being sent when notifyd stopped: they are 'unknown' now and wait for an operator",
                 unknown);
    log_info("worker %s: sms %s, e-mail %s, %d webhooks; %d transfers at most", s.worker, s.sms.on ? "on" : "off",
             s.mail.on ? "on" : "off", s.nhooks, s.concurrency);

    serve(&r);

    log_info("stopped");
    nd_engine_free(&r.e);
    close(r.sfd);
    nd_settings_free(&s);
    db_close(db);
    config_free(cfg);
    curl_global_cleanup();
    return 0;
}
