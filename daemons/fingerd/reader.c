/* The reader thread: libfprint on GLib's default main context (see
 * fingerd.h for how it meets the front).
 *
 * The device goes CLOSED -> OPENING -> OPEN -> CLOSING -> CLOSED.  An
 * operation that arrives while the device is between two states waits
 * for it to settle.  A device error ends the operation with device_error,
 * and the device is closed and opened again at once (an unplugged reader
 * is simply not found: no_device until one is plugged in, looked for again
 * at the next operation).  Each operation is:
 *
 *   templates from the database (verify, identify) -> device open ->
 *   "started" -> libfprint's enroll / identify / verify, with "scan" each
 *   time the device wants the finger (its finger-status NEEDED flag rises;
 *   the scan timeout runs from there until the finger is taken), "stage"
 *   per enroll stage, "retry" per unusable capture, "matching" once per
 *   verify or identify when the finger was taken (see on_finger_status)
 *   -> the final line. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <sodium.h>
#include "fptemplate.h"
#include "gallery.h"
#include "log.h"

/* A verify or identify that keeps getting unusable captures gives up
 * rather than ask for the finger forever. */
#define MAX_RETRIES 10

enum dev_state { DEV_CLOSED, DEV_OPENING, DEV_OPEN, DEV_CLOSING };

typedef struct op op_t;

struct fd_reader {
    const fd_settings_t *s;
    db_t *db;
    pthread_t thread;
    int thread_started;
    GMainLoop *loop;
    int efd;

    pthread_mutex_t mu;                /* events, status, start-up */
    pthread_cond_t cv;
    int ready;
    fd_event_t *head, *tail;
    fd_reader_status_t status;

    /* reader thread only */
    FpContext *ctx;
    FpDevice *dev;
    enum dev_state state;
    gulong finger_handler, removed_handler;
    char last_error[256];              /* why the last open failed */
    fg_gallery_t gallery;
    op_t *op;                          /* the operation in hand */
    int stopping;
};

struct op {
    fd_reader_t *r;
    uint64_t job;
    enum fpp_op kind;
    int64_t customer;
    int finger;
    GCancellable *cancel;
    int in_libfprint;                  /* a libfprint call owns op until its callback */
    int timed_out, stop_cancel;
    int stages, completed, retries;
    int opens;                         /* device opens tried for it */
    int needed;                        /* the device's NEEDED flag as last seen */
    int reported;                      /* libfprint reported this attempt's result (or retry) */
    int matching_sent;                 /* "matching" went out: never twice */
    guint timer;
    fg_gallery_t own;                  /* verify: the customer's prints */
    fg_gallery_t *pool;                /* where the candidates come from */
    GPtrArray *candidates;
};

static void device_open(fd_reader_t *r);
static void device_reset(fd_reader_t *r, int reopen);
static void op_continue(op_t *op);

/* ---------------------------------------------------------------- events */

static void post(fd_reader_t *r, fd_event_t *e)
{
    pthread_mutex_lock(&r->mu);
    if (r->tail) r->tail->next = e;
    else r->head = e;
    r->tail = e;
    pthread_mutex_unlock(&r->mu);
    uint64_t one = 1;
    if (write(r->efd, &one, sizeof one) < 0) log_error("eventfd: cannot wake the front");
}

static fd_event_t *new_event(uint64_t job, json_t *line, int final)
{
    fd_event_t *e = calloc(1, sizeof *e);
    if (!e) { json_decref(line); return NULL; }
    e->job = job;
    e->line = line;
    e->final = final;
    return e;
}

static void emit(op_t *op, json_t *line)
{
    fd_event_t *e = line ? new_event(op->job, line, 0) : NULL;
    if (e) post(op->r, e);
}

void fd_event_free(fd_event_t *e)
{
    if (!e) return;
    json_decref(e->line);
    free(e);
}

fd_event_t *fd_reader_take_events(fd_reader_t *r)
{
    uint64_t n;
    if (read(r->efd, &n, sizeof n) < 0) { /* nothing new: EAGAIN */ }
    pthread_mutex_lock(&r->mu);
    fd_event_t *e = r->head;
    r->head = r->tail = NULL;
    pthread_mutex_unlock(&r->mu);
    return e;
}

int fd_reader_event_fd(const fd_reader_t *r) { return r->efd; }

/* ---------------------------------------------------------------- status */

static void publish(fd_reader_t *r)
{
    fd_reader_status_t st = { .open = r->state == DEV_OPEN };
    if (st.open) {
        snprintf(st.id, sizeof st.id, "%s", fp_device_get_device_id(r->dev));
        snprintf(st.driver, sizeof st.driver, "%s", fp_device_get_driver(r->dev));
        snprintf(st.name, sizeof st.name, "%s", fp_device_get_name(r->dev));
        st.stages = fp_device_get_nr_enroll_stages(r->dev);
    }
    st.prints = r->gallery.usable;
    st.customers = r->gallery.customers;
    pthread_mutex_lock(&r->mu);
    r->status = st;
    pthread_mutex_unlock(&r->mu);
}

void fd_reader_status(fd_reader_t *r, fd_reader_status_t *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->status;
    pthread_mutex_unlock(&r->mu);
}

/* ---------------------------------------------------------------- ending an operation */

static void timer_stop(op_t *op)
{
    if (op->timer) g_source_remove(op->timer);
    op->timer = 0;
}

static void op_free(op_t *op)
{
    timer_stop(op);
    if (op->candidates) g_ptr_array_unref(op->candidates);
    fg_clear(&op->own);
    g_object_unref(op->cancel);
    free(op);
}

/* Hands the final line (and a match to keep) to the front; the reader is
 * free for the next operation. */
static void op_finish(op_t *op, json_t *line, const fd_match_t *match)
{
    fd_reader_t *r = op->r;
    fd_event_t *e = new_event(op->job, line, 1);
    if (e && match) { e->matched = 1; e->match = *match; }
    if (e) post(r, e);
    if (r->op == op) r->op = NULL;
    op_free(op);
    if (r->stopping && r->state == DEV_OPEN) device_reset(r, 0);
    else if (r->stopping && r->state == DEV_CLOSED) g_main_loop_quit(r->loop);
}

static void op_fail(op_t *op, const char *code, const char *message)
{
    op_finish(op, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", code, "message", message), NULL);
}

/* Maps what libfprint ended an operation with to the protocol's errors;
 * a device error or a removed device also resets the device. */
static void op_failed(op_t *op, const GError *error)
{
    fd_reader_t *r = op->r;
    char msg[320];
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        if (op->timed_out) {
            snprintf(msg, sizeof msg, "no finger within %d s", r->s->scan_timeout_s);
            op_fail(op, "timeout", msg);
        } else {
            op_fail(op, "cancelled", op->stop_cancel ? "fingerd is stopping" : "the operation was cancelled");
        }
        return;
    }
    int removed = g_error_matches(error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED);
    const char *why = error && error->message ? error->message : "no reason given";
    snprintf(msg, sizeof msg, "%s: %s", removed ? "the reader went away" : "the reader failed", why);
    log_warn("%s %s for customer %lld: %s", fpp_op_name(op->kind), removed ? "lost the reader" : "failed",
             (long long)op->customer, why);
    op_fail(op, removed ? "no_device" : "device_error", msg);
    if (!r->stopping) device_reset(r, !removed);
}

/* ---------------------------------------------------------------- the finger */

static gboolean scan_timed_out(gpointer data)
{
    op_t *op = data;
    op->timer = 0;
    op->timed_out = 1;
    g_cancellable_cancel(op->cancel);
    return G_SOURCE_REMOVE;
}

/* The scan timeout runs while the reader waits for the finger: from the
 * start of an operation, from each "scan", after each unusable capture;
 * it stops once a finger was taken (matching takes what it takes). */
static void timer_start(op_t *op)
{
    timer_stop(op);
    op->timer = g_timeout_add((guint)op->r->s->scan_timeout_s * 1000u, scan_timed_out, op);
}

/* "matching" for a verify or identify whose finger was just taken: the
 * number of prints libfprint is handed (one with fp_device_verify). */
static void emit_matching(op_t *op, FpDevice *dev)
{
    int prints = fp_device_has_feature(dev, FP_DEVICE_FEATURE_IDENTIFY) ? (int)op->candidates->len : 1;
    op->matching_sent = 1;
    emit(op, json_pack("{s:s,s:i}", "event", "matching", "prints", prints));
}

/* The device says when it wants the finger: that is "scan" to the client
 * and the start of the scan timeout.
 *
 * It also says when it took one.  An image device (libfprint's
 * FpImageDevice, virtual_image included) raises NEEDED when it waits for
 * the finger; the driver's finger-on report adds PRESENT; the image taken
 * (fpi_image_device_image_captured) drops NEEDED and leaves PRESENT, and
 * only then are the minutiae extracted (on a worker thread) and matched
 * with bozorth3 (on this thread, print after print, in one callback: no
 * line can be sent from here meanwhile).  Every other way NEEDED goes --
 * the operation completing after a device error, a cancel or timeout, or a
 * retry the driver reports without an image -- clears all flags at once
 * (fpi_device_*_complete reports NONE), after the retry was reported to
 * the match callback.  So NEEDED falling while PRESENT stays, in a verify
 * or identify that is not cancelled and has no result yet, is the capture:
 * "matching" goes out then, once per operation.  What this cannot tell is
 * a captured image in which no minutiae are found: libfprint reports that
 * as a retry after the fact, so "matching" may be followed by a "retry"
 * (and is not sent again for the next capture). */
static void on_finger_status(FpDevice *dev, GParamSpec *pspec, gpointer data)
{
    fd_reader_t *r = data;
    op_t *op = r->op;
    if (!op || !op->in_libfprint) return;
    FpFingerStatusFlags status = fp_device_get_finger_status(dev);
    int needed = (status & FP_FINGER_STATUS_NEEDED) != 0;
    if (needed && !op->needed) {
        emit(op, json_pack("{s:s,s:i,s:i}", "event", "scan", "stage", op->completed + 1, "of", op->stages));
        timer_start(op);
    } else if (!needed && op->needed) {
        timer_stop(op);
        if (op->kind != FPP_ENROLL && !op->matching_sent && !op->reported && (status & FP_FINGER_STATUS_PRESENT) &&
            !g_cancellable_is_cancelled(op->cancel))
            emit_matching(op, dev);
    }
    op->needed = needed;
}

/* libfprint's report of a verify or identify, before it completes: a
 * retry, or the result once matching is done.  Noted so that a device
 * that lets go of NEEDED afterwards does not get a late "matching". */
static void on_match_report(FpDevice *dev, FpPrint *match, FpPrint *print, gpointer data, GError *error)
{
    op_t *op = data;
    op->reported = 1;
}

static const char *retry_code(int code)
{
    switch (code) {
    case FP_DEVICE_RETRY_TOO_SHORT: return "too_short";
    case FP_DEVICE_RETRY_CENTER_FINGER: return "center_finger";
    case FP_DEVICE_RETRY_REMOVE_FINGER: return "remove_finger";
    default: return "general";
    }
}

static void emit_retry(op_t *op, const GError *error)
{
    emit(op, json_pack("{s:s,s:s,s:s}", "event", "retry", "code", retry_code(error->code), "message",
                       error->message ? error->message : ""));
}

/* ---------------------------------------------------------------- enroll */

/* §3's order is right hand first; libfprint's FpFinger is left hand first. */
static FpFinger libfprint_finger(int finger)
{
    return (FpFinger)(finger <= 5 ? FP_FINGER_RIGHT_THUMB + finger - 1 : FP_FINGER_LEFT_THUMB + finger - 6);
}

static void on_enroll_progress(FpDevice *dev, gint completed, FpPrint *print, gpointer data, GError *error)
{
    op_t *op = data;
    if (error) {
        emit_retry(op, error);
        timer_start(op);          /* the device waits for the finger to come back */
        return;
    }
    op->completed = completed;
    emit(op, json_pack("{s:s,s:i,s:i}", "event", "stage", "stage", completed, "of", op->stages));
}

/* The print, serialised and sealed for this site, customer and finger,
 * as base64; NULL when out of memory or libfprint cannot serialise it. */
static char *sealed_template(op_t *op, FpPrint *print)
{
    guchar *data = NULL;
    gsize len = 0;
    GError *error = NULL;
    if (!fp_print_serialize(print, &data, &len, &error)) {
        log_error("cannot serialise an enrolled print: %s", error ? error->message : "?");
        g_clear_error(&error);
        return NULL;
    }
    size_t sealed_len = fpt_sealed_len(len);
    uint8_t *sealed = malloc(sealed_len);
    char *b64 = NULL;
    if (sealed && fpt_seal(sealed, op->r->s->key, op->r->s->site, op->customer, op->finger, data, len) == FPT_OK)
        b64 = g_base64_encode(sealed, sealed_len);
    sodium_memzero(data, len);
    g_free(data);
    free(sealed);
    return b64;
}

static void on_enroll_done(GObject *source, GAsyncResult *res, gpointer data)
{
    op_t *op = data;
    GError *error = NULL;
    op->in_libfprint = 0;
    FpPrint *print = fp_device_enroll_finish(FP_DEVICE(source), res, &error);
    if (!print) {
        op_failed(op, error);
        g_clear_error(&error);
        return;
    }
    char *b64 = op->stop_cancel ? NULL : sealed_template(op, print);
    g_object_unref(print);
    if (op->stop_cancel) { op_fail(op, "cancelled", "fingerd is stopping"); return; }
    if (!b64) { op_fail(op, "internal", "the enrolled print could not be sealed"); return; }
    FpDevice *dev = op->r->dev;
    log_info("enrolled customer %lld, %s", (long long)op->customer, fpp_finger_name(op->finger));
    op_finish(op, json_pack("{s:b,s:s,s:I,s:s,s:s,s:s,s:s}", "ok", 1, "event", "enrolled", "customer",
                            (json_int_t)op->customer, "finger", fpp_finger_name(op->finger), "driver",
                            fp_device_get_driver(dev), "device", fp_device_get_device_id(dev), "template", b64),
              NULL);
    g_free(b64);
}

/* ---------------------------------------------------------------- verify and identify */

static void match_start(op_t *op);

static void on_match_done(GObject *source, GAsyncResult *res, gpointer data)
{
    op_t *op = data;
    fd_reader_t *r = op->r;
    FpDevice *dev = FP_DEVICE(source);
    GError *error = NULL;
    FpPrint *matched = NULL;
    op->in_libfprint = 0;
    op->needed = 0;
    timer_stop(op);
    int ok;
    if (fp_device_has_feature(dev, FP_DEVICE_FEATURE_IDENTIFY)) {
        ok = fp_device_identify_finish(dev, res, &matched, NULL, &error);
    } else {
        gboolean yes = FALSE;
        ok = fp_device_verify_finish(dev, res, &yes, NULL, &error);
        if (ok && yes) matched = g_object_ref(g_ptr_array_index(op->candidates, 0));
    }
    if (!ok && error && error->domain == FP_DEVICE_RETRY && !op->stop_cancel) {
        emit_retry(op, error);
        g_clear_error(&error);
        if (++op->retries <= MAX_RETRIES) { match_start(op); return; }
        op_fail(op, "device_error", "the reader gave no usable capture after 10 retries");
        return;
    }
    if (!ok) {
        op_failed(op, error);
        g_clear_error(&error);
        return;
    }
    if (op->stop_cancel) {
        if (matched) g_object_unref(matched);
        op_fail(op, "cancelled", "fingerd is stopping");
        return;
    }
    fg_print_t *e = fg_find(op->pool, matched);
    if (matched) g_object_unref(matched);
    if (!e) {
        if (op->kind == FPP_VERIFY) log_info("verify: no match for customer %lld", (long long)op->customer);
        else log_info("identify: no match among %u prints", op->candidates->len);
        json_t *line = json_pack("{s:b,s:s,s:b}", "ok", 1, "event", "result", "match", 0);
        if (line && op->kind == FPP_VERIFY) json_object_set_new(line, "customer", json_integer(op->customer));
        op_finish(op, line, NULL);
        return;
    }
    if (op->pool == &r->gallery) fg_touch(&r->gallery, e);
    fd_match_t m = { .customer = e->customer, .site = r->s->site, .template_id = e->id, .finger = e->finger,
                     .kind = op->kind };
    m.id[0] = 'm';
    secret_token(m.id + 1, sizeof m.id - 1, 16);
    log_info("%s: customer %lld matched (template %lld, %s)", fpp_op_name(op->kind), (long long)e->customer,
             (long long)e->id, fpp_finger_name(e->finger));
    op_finish(op, json_pack("{s:b,s:s,s:b,s:s,s:I,s:s,s:I}", "ok", 1, "event", "result", "match", 1, "match_id", m.id,
                            "customer", (json_int_t)e->customer, "finger", fpp_finger_name(e->finger), "template_id",
                            (json_int_t)e->id),
              &m);
}

/* Readers that match on the chip may not identify: a verify then
 * compares with the customer's first print only. */
static void match_start(op_t *op)
{
    FpDevice *dev = op->r->dev;
    op->in_libfprint = 1;
    op->needed = 0;
    op->reported = 0;
    timer_start(op);
    if (fp_device_has_feature(dev, FP_DEVICE_FEATURE_IDENTIFY))
        fp_device_identify(dev, op->candidates, op->cancel, on_match_report, op, NULL, on_match_done, op);
    else
        fp_device_verify(dev, g_ptr_array_index(op->candidates, 0), op->cancel, on_match_report, op, NULL,
                         on_match_done, op);
}

/* ---------------------------------------------------------------- running an operation */

/* The device is open: take the finger. */
static void op_start(op_t *op)
{
    fd_reader_t *r = op->r;
    FpDevice *dev = r->dev;
    if (g_cancellable_is_cancelled(op->cancel)) {
        op_fail(op, "cancelled", op->stop_cancel ? "fingerd is stopping" : "the operation was cancelled");
        return;
    }
    if (op->kind == FPP_ENROLL) {
        op->stages = fp_device_get_nr_enroll_stages(dev);
        emit(op, json_pack("{s:s,s:s,s:i}", "event", "started", "op", "enroll", "stages", op->stages));
        FpPrint *templ = fp_print_new(dev);
        fp_print_set_finger(templ, libfprint_finger(op->finger));
        op->in_libfprint = 1;
        timer_start(op);
        fp_device_enroll(dev, templ, op->cancel, on_enroll_progress, op, NULL, on_enroll_done, op);
        return;
    }
    if (op->kind == FPP_IDENTIFY && !fp_device_has_feature(dev, FP_DEVICE_FEATURE_IDENTIFY)) {
        op_fail(op, "device_error", "this reader cannot identify, only verify");
        return;
    }
    op->candidates = fg_candidates(op->pool, dev);
    if (op->candidates->len == 0) {
        op_fail(op, "not_enrolled", op->kind == FPP_VERIFY ? "the customer has no print this reader can match"
                                                           : "nobody at this site has a print this reader can match");
        return;
    }
    op->stages = 1;
    emit(op, json_pack("{s:s,s:s,s:i}", "event", "started", "op", fpp_op_name(op->kind), "stages", 1));
    match_start(op);
}

/* Called when the device has settled after opening or closing. */
static void device_settled(fd_reader_t *r)
{
    publish(r);
    op_t *op = r->op;
    if (op && !op->in_libfprint && (r->state == DEV_OPEN || r->state == DEV_CLOSED)) op_continue(op);
    else if (r->stopping && !r->op && r->state == DEV_OPEN) device_reset(r, 0);
    else if (r->stopping && !r->op && r->state == DEV_CLOSED) g_main_loop_quit(r->loop);
}

/* Waits for the device, opening it when there is none. */
static void op_continue(op_t *op)
{
    fd_reader_t *r = op->r;
    if (r->state == DEV_CLOSED) {
        /* A device that is there but will not open is tried twice, not forever. */
        if (op->opens++ < 2) device_open(r);
        if (r->state == DEV_CLOSED) {
            op_fail(op, "no_device", r->last_error);
            return;
        }
    }
    if (r->state == DEV_OPEN) op_start(op);
    /* OPENING or CLOSING: device_settled comes back here. */
}

typedef struct run_msg {
    fd_reader_t *r;
    uint64_t job;
    enum fpp_op kind;
    int64_t customer;
    int finger;
    int stopping;
} run_msg_t;

static gboolean on_run(gpointer data)
{
    run_msg_t *m = data;
    fd_reader_t *r = m->r;
    op_t *op = calloc(1, sizeof *op);
    if (!op) {
        fd_event_t *e = new_event(m->job, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "internal", "message",
                                                    "out of memory"), 1);
        if (e) post(r, e);
        return G_SOURCE_REMOVE;
    }
    *op = (op_t){ .r = r, .job = m->job, .kind = m->kind, .customer = m->customer, .finger = m->finger,
                  .cancel = g_cancellable_new() };
    if (r->op || r->stopping) {
        /* The front hands over one operation at a time: only a stop gets here. */
        op_fail(op, r->stopping ? "cancelled" : "busy", r->stopping ? "fingerd is stopping" : "the reader is busy");
        return G_SOURCE_REMOVE;
    }
    r->op = op;
    if (op->kind == FPP_VERIFY) {
        if (fg_load_customer(&op->own, r->db, r->s, op->customer) != DB_OK) {
            op_fail(op, "database", "the templates could not be read; try again");
            return G_SOURCE_REMOVE;
        }
        op->pool = &op->own;
    } else if (op->kind == FPP_IDENTIFY) {
        int rc = fg_refresh(&r->gallery, r->db, r->s);
        publish(r);
        if (rc != DB_OK) {
            op_fail(op, "database", "the templates could not be read; try again");
            return G_SOURCE_REMOVE;
        }
        op->pool = &r->gallery;
    }
    if (op->pool && op->pool->usable == 0) {
        op_fail(op, "not_enrolled", op->kind == FPP_VERIFY ? "the customer has no enrolled finger at this site"
                                                           : "nobody at this site has an enrolled finger");
        return G_SOURCE_REMOVE;
    }
    op_continue(op);
    return G_SOURCE_REMOVE;
}

static gboolean on_cancel(gpointer data)
{
    run_msg_t *m = data;
    op_t *op = m->r->op;
    if (!op || op->job != m->job) return G_SOURCE_REMOVE;
    op->stop_cancel |= m->stopping;
    if (op->in_libfprint) g_cancellable_cancel(op->cancel);
    else op_fail(op, "cancelled", op->stop_cancel ? "fingerd is stopping" : "the operation was cancelled");
    return G_SOURCE_REMOVE;
}

static gboolean on_forget(gpointer data)
{
    fd_reader_t *r = ((run_msg_t *)data)->r;
    if (r->op && r->op->pool == &r->gallery) return G_SOURCE_REMOVE;   /* in use: forgotten next time */
    fg_clear(&r->gallery);
    publish(r);
    log_info("gallery forgotten: it is read again at the next identify");
    return G_SOURCE_REMOVE;
}

static gboolean on_stop(gpointer data)
{
    fd_reader_t *r = ((run_msg_t *)data)->r;
    r->stopping = 1;
    if (r->op) {
        r->op->stop_cancel = 1;
        if (r->op->in_libfprint) g_cancellable_cancel(r->op->cancel);
        else op_fail(r->op, "cancelled", "fingerd is stopping");   /* quits or closes when it ends */
        return G_SOURCE_REMOVE;
    }
    device_settled(r);
    return G_SOURCE_REMOVE;
}

/* Runs fn on the reader thread: an idle source on GLib's default context,
 * whichever thread attaches it. */
static void send_to_reader(fd_reader_t *r, GSourceFunc fn, const run_msg_t *m)
{
    run_msg_t *copy = g_new(run_msg_t, 1);
    *copy = *m;
    copy->r = r;
    GSource *src = g_idle_source_new();
    g_source_set_callback(src, fn, copy, g_free);
    g_source_attach(src, g_main_context_default());
    g_source_unref(src);
}

void fd_reader_run(fd_reader_t *r, uint64_t job, enum fpp_op op, int64_t customer, int finger)
{
    send_to_reader(r, on_run, &(run_msg_t){ .job = job, .kind = op, .customer = customer, .finger = finger });
}

void fd_reader_cancel(fd_reader_t *r, uint64_t job, int stopping)
{
    send_to_reader(r, on_cancel, &(run_msg_t){ .job = job, .stopping = stopping });
}

void fd_reader_forget_gallery(fd_reader_t *r)
{
    send_to_reader(r, on_forget, &(run_msg_t){ 0 });
}

void fd_reader_stop(fd_reader_t *r)
{
    send_to_reader(r, on_stop, &(run_msg_t){ 0 });
}

/* ---------------------------------------------------------------- the device */

static void release_device(fd_reader_t *r)
{
    if (!r->dev) return;
    g_signal_handler_disconnect(r->dev, r->finger_handler);
    g_signal_handler_disconnect(r->dev, r->removed_handler);
    g_object_unref(r->dev);
    r->dev = NULL;
    r->state = DEV_CLOSED;
}

static void on_removed(FpDevice *dev, gpointer data)
{
    fd_reader_t *r = data;
    log_warn("the reader %s was removed", fp_device_get_name(dev));
    if (r->state == DEV_OPEN && !r->op) device_reset(r, 0);
}

static void on_opened(GObject *source, GAsyncResult *res, gpointer data)
{
    fd_reader_t *r = data;
    GError *error = NULL;
    if (fp_device_open_finish(FP_DEVICE(source), res, &error)) {
        r->state = DEV_OPEN;
        log_info("reader %s: %s (driver %s, device %s, %d enroll stages)", r->s->reader,
                 fp_device_get_name(r->dev), fp_device_get_driver(r->dev), fp_device_get_device_id(r->dev),
                 fp_device_get_nr_enroll_stages(r->dev));
    } else {
        snprintf(r->last_error, sizeof r->last_error, "the reader could not be opened: %s",
                 error ? error->message : "?");
        log_warn("%s", r->last_error);
        g_clear_error(&error);
        release_device(r);
    }
    device_settled(r);
}

/* Starts opening the configured device (or the first one); the state
 * stays CLOSED, with last_error saying why, when there is none. */
static void device_open(fd_reader_t *r)
{
    GPtrArray *devices = fp_context_get_devices(r->ctx);
    FpDevice *pick = NULL;
    for (guint i = 0; devices && i < devices->len && !pick; i++) {
        FpDevice *d = g_ptr_array_index(devices, i);
        gboolean removed = FALSE;
        g_object_get(d, "removed", &removed, NULL);     /* unplugged, not yet let go of */
        if (removed) continue;
        if (!r->s->device[0] || !strcmp(r->s->device, fp_device_get_device_id(d)) ||
            !strcmp(r->s->device, fp_device_get_driver(d)))
            pick = d;
    }
    if (!pick) {
        snprintf(r->last_error, sizeof r->last_error, "no fingerprint reader%s%s is connected",
                 r->s->device[0] ? " matching " : "", r->s->device);
        return;
    }
    r->dev = g_object_ref(pick);
    r->finger_handler = g_signal_connect(r->dev, "notify::finger-status", G_CALLBACK(on_finger_status), r);
    r->removed_handler = g_signal_connect(r->dev, "removed", G_CALLBACK(on_removed), r);
    r->state = DEV_OPENING;
    fp_device_open(r->dev, NULL, on_opened, r);
}

typedef struct close_ctx { fd_reader_t *r; int reopen; } close_ctx_t;

static void on_closed(GObject *source, GAsyncResult *res, gpointer data)
{
    close_ctx_t *c = data;
    fd_reader_t *r = c->r;
    int reopen = c->reopen && !r->stopping;
    g_free(c);
    GError *error = NULL;
    if (!fp_device_close_finish(FP_DEVICE(source), res, &error)) {
        /* A removed device reports an error here and is closed all the same. */
        log_info("closing the reader: %s", error ? error->message : "?");
        g_clear_error(&error);
    }
    release_device(r);
    if (reopen) device_open(r);
    publish(r);
    if (r->state != DEV_OPENING) device_settled(r);
}

/* Closes the device; reopen: and opens it (or another) again at once. */
static void device_reset(fd_reader_t *r, int reopen)
{
    if (r->state != DEV_OPEN) return;
    close_ctx_t *c = g_new(close_ctx_t, 1);
    *c = (close_ctx_t){ r, reopen };
    r->state = DEV_CLOSING;
    publish(r);
    fp_device_close(r->dev, NULL, on_closed, c);
}

/* ---------------------------------------------------------------- the thread */

#define OPEN_WAIT_MS 15000

static gboolean set_flag(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

static void *reader_main(void *data)
{
    fd_reader_t *r = data;
    r->loop = g_main_loop_new(NULL, FALSE);
    r->ctx = fp_context_new();
    /* Finding the devices iterates the default context: done before the
     * front can attach anything to it. */
    GPtrArray *devices = fp_context_get_devices(r->ctx);
    log_info("%u fingerprint reader%s found", devices ? devices->len : 0, devices && devices->len == 1 ? "" : "s");
    if (fg_refresh(&r->gallery, r->db, r->s) != DB_OK)
        log_warn("the gallery could not be read yet (%s): it is read at the first identify", db_error(r->db));
    device_open(r);
    if (r->state == DEV_CLOSED) log_warn("%s", r->last_error);
    publish(r);
    /* The front starts listening once the device has settled, so the
     * first status it gives is the truth; a reader that takes longer to
     * open goes on opening behind a listening socket. */
    gboolean waited_enough = FALSE;
    guint guard = g_timeout_add(OPEN_WAIT_MS, set_flag, &waited_enough);
    while (r->state == DEV_OPENING && !waited_enough) g_main_context_iteration(NULL, TRUE);
    if (!waited_enough) g_source_remove(guard);
    pthread_mutex_lock(&r->mu);
    r->ready = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);

    g_main_loop_run(r->loop);

    fg_clear(&r->gallery);
    release_device(r);
    g_object_unref(r->ctx);
    /* Sources the front attached after the stop are dropped with their data. */
    while (g_main_context_iteration(NULL, FALSE)) {}
    g_main_loop_unref(r->loop);
    db_close(r->db);
    r->db = NULL;
    fd_event_t *e = new_event(0, NULL, 0);
    if (e) { e->stopped = 1; post(r, e); }
    return NULL;
}

fd_reader_t *fd_reader_start(const fd_settings_t *s, db_t *db, char *err, size_t errlen)
{
    fd_reader_t *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    r->s = s;
    r->db = db;
    r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (r->efd < 0 || pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        snprintf(err, errlen, "cannot start the reader thread");
        if (r->efd >= 0) close(r->efd);
        free(r);
        return NULL;
    }
    r->thread_started = 1;
    pthread_mutex_lock(&r->mu);
    while (!r->ready) pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    return r;
}

void fd_reader_free(fd_reader_t *r)
{
    if (!r) return;
    if (r->thread_started) pthread_join(r->thread, NULL);
    for (fd_event_t *e = fd_reader_take_events(r); e;) {
        fd_event_t *next = e->next;
        fd_event_free(e);
        e = next;
    }
    close(r->efd);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    db_close(r->db);
    free(r);
}

/* ---------------------------------------------------------------- GLib's log */

static GLogWriterOutput write_glib_log(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
    const char *domain = "glib", *message = "";
    for (gsize i = 0; i < n; i++) {
        if (!strcmp(fields[i].key, "GLIB_DOMAIN") && fields[i].value) domain = fields[i].value;
        else if (!strcmp(fields[i].key, "MESSAGE") && fields[i].value) message = fields[i].value;
    }
    enum log_level lvl = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? LOG_LVL_ERROR
                         : (level & G_LOG_LEVEL_WARNING)                      ? LOG_LVL_WARN
                         : (level & G_LOG_LEVEL_DEBUG)                        ? LOG_LVL_DEBUG
                                                                              : LOG_LVL_INFO;
    log_msg(lvl, "%s: %s", domain, message);
    return G_LOG_WRITER_HANDLED;
}

void fd_reader_route_glib_logs(void)
{
    g_log_set_writer_func(write_glib_log, NULL, NULL);
}
