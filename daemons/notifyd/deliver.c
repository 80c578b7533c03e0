/* Transfers in flight (libcurl multi) and the results waiting to be
 * recorded.  A result stays in memory until its row is written, so a
 * database that goes away after a message went out loses nothing but
 * time; only a crash in that window leaves the row 'sending', which the
 * next start turns 'unknown'. */
#include "notifyd.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nd_engine_init(nd_engine_t *e, const nd_settings_t *s)
{
    memset(e, 0, sizeof *e);
    e->s = s;
    e->done_tail = &e->done;
    if (!(e->multi = curl_multi_init())) return -1;
    /* Connections to the same gateway are kept and reused; a handful more
     * than the transfers in flight. */
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)s->concurrency + 4);
    return 0;
}

static void xfer_free(nd_xfer_t *x)
{
    if (x->easy) curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    curl_slist_free_all(x->rcpt);
    arena_free(x->a);
    free(x);
}

static void finished(nd_engine_t *e, nd_xfer_t *x)
{
    if (x->flying) {
        if (x->fly_prev) x->fly_prev->fly_next = x->fly_next;
        else e->flying = x->fly_next;
        if (x->fly_next) x->fly_next->fly_prev = x->fly_prev;
        x->flying = 0;
        e->inflight--;
    }
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    x->next = NULL;
    *e->done_tail = x;
    e->done_tail = &x->next;
    e->ndone++;
}

void nd_engine_free(nd_engine_t *e)
{
    while (e->done) {
        nd_xfer_t *next = e->done->next;
        xfer_free(e->done);
        e->done = next;
    }
    /* Whatever is still in flight (a stop that could not wait) is
     * dropped; its rows stay 'sending' and become 'unknown'. */
    while (e->flying) {
        nd_xfer_t *x = e->flying;
        e->flying = x->fly_next;
        curl_multi_remove_handle(e->multi, x->easy);
        xfer_free(x);
    }
    if (e->multi) curl_multi_cleanup(e->multi);
    memset(e, 0, sizeof *e);
}

static char *copy(arena_t *a, const char *s) { return s ? arena_strdup(a, s) : NULL; }

void nd_engine_start(nd_engine_t *e, const outbox_row_t *row)
{
    nd_xfer_t *x = calloc(1, sizeof *x);
    arena_t *a = arena_new(8192);
    if (!x || !a) {
        /* Nothing was handed over: the row is released with the next
         * idle turn (outbox_release). */
        log_error("out of memory for message %lld", (long long)row->id);
        e->lost = 1;
        free(x);
        arena_free(a);
        return;
    }
    x->a = a;
    x->row = *row;
    x->row.channel = copy(a, row->channel);
    x->row.recipient = copy(a, row->recipient);
    x->row.language = copy(a, row->language);
    x->row.subject = copy(a, row->subject);
    x->row.body_text = copy(a, row->body_text);
    x->row.body_html = copy(a, row->body_html);
    snprintf(x->key, sizeof x->key, "%s%lld", e->s->id_prefix, (long long)row->id);
    x->result = (outbox_result_t){ .id = row->id, .attempts = row->attempts, .max_attempts = row->max_attempts };
    char err[256];
    if (!x->row.channel || !x->row.recipient || !x->row.body_text || !(x->easy = curl_easy_init())) {
        snprintf(err, sizeof err, "out of memory");
        x->result.outcome = OUTBOX_RETRY;
        x->result.error = arena_strdup(a, err);
        finished(e, x);
        return;
    }
    if (nd_channel_prepare(e->s, x, err, sizeof err) != 0) {
        x->result.outcome = OUTBOX_FAILED;
        x->result.error = arena_strdup(a, err);
        finished(e, x);
        return;
    }
    if (curl_multi_add_handle(e->multi, x->easy) != CURLM_OK) {
        x->result.outcome = OUTBOX_RETRY;
        x->result.error = "not sent: the transfer could not be started";
        finished(e, x);
        return;
    }
    x->flying = 1;
    x->fly_next = e->flying;
    if (e->flying) e->flying->fly_prev = x;
    e->flying = x;
    e->inflight++;
}

int nd_engine_pump(nd_engine_t *e, int fd, long timeout_ms)
{
    struct curl_waitfd w = { .fd = fd, .events = CURL_WAIT_POLLIN };
    int running = 0, readable = 0;
    if (timeout_ms < 0) timeout_ms = 0;
    if (curl_multi_poll(e->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0, (int)timeout_ms, NULL) == CURLM_OK)
        readable = fd >= 0 && (w.revents & CURL_WAIT_POLLIN);
    curl_multi_perform(e->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        nd_xfer_t *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode cc = m->data.result;
        curl_multi_remove_handle(e->multi, m->easy_handle);
        if (!x) continue;
        nd_channel_outcome(e->s, x, cc);
        finished(e, x);
    }
    return readable;
}

static void log_result(const nd_xfer_t *x)
{
    const outbox_result_t *r = &x->result;
    const char *state = outbox_next_state(r);
    /* Never the text or the recipient: ids, channels and what happened. */
    if (r->outcome == OUTBOX_SENT)
        log_info("message %lld (%s) sent%s%s", (long long)r->id, x->row.channel,
                 r->provider_ref ? ", ref " : "", r->provider_ref ? r->provider_ref : "");
    else
        log_warn("message %lld (%s) attempt %d: %s; now %s", (long long)r->id, x->row.channel, r->attempts + 1,
                 x->brief ? x->brief : r->error ? r->error : "failed", state);
}

int nd_engine_record(nd_engine_t *e, db_t *db)
{
    if (!e->ndone) return DB_OK;
    outbox_result_t *res = calloc((size_t)e->ndone, sizeof *res);
    if (!res) return DB_ERR;
    int n = 0;
    for (nd_xfer_t *x = e->done; x; x = x->next) res[n++] = x->result;
    int rc = outbox_finish(db, e->s->worker, res, n, e->s->retry_base_ms, e->s->retry_cap_ms);
    free(res);
    if (rc != DB_OK) return rc;
    while (e->done) {
        nd_xfer_t *next = e->done->next;
        log_result(e->done);
        xfer_free(e->done);
        e->done = next;
    }
    e->done_tail = &e->done;
    e->ndone = 0;
    return DB_OK;
}
