/* The relay between a browser and the site's fingerd (backoffice_fplive.h).
 *
 * The worker waits on fingerd for the whole operation (an enrollment is
 * five scans, each allowed fingerd's scan timeout).  It watches the
 * browser's connection meanwhile: nginx closes it when the browser leaves
 * (Cancel aborts the fetch; without JavaScript, leaving the page does),
 * and hanging up on fingerd then cancels the reader's operation, so the
 * reader is free for the next customer at once. */
#include "backoffice.h"
#include "backoffice_fplive.h"
#include "fingerc.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDJSON "application/x-ndjson; charset=utf-8"
/* fingerd ends a wait for a finger itself after its scan timeout ("timeout");
 * a line later than that and this margin means it has gone quiet. */
#define IDLE_MARGIN_S 10
/* A status answer is immediate; a screen must not hang on a wedged daemon. */
#define STATUS_IDLE_MS 1500

/* Failures with words of their own (fingerprints.outcome.<code>); any other
 * refusal of fingerd reads as reader_error. */
static const char *const fingerd_errors[] = { "busy", "no_device", "timeout", "device_error", "cancelled",
                                              "not_enrolled", NULL };

static int wants_stream(const web_req_t *req)
{
    const char *accept = web_env(req, "HTTP_ACCEPT");
    return accept && strstr(accept, "application/x-ndjson") != NULL;
}

/* A code from fingerd that may become part of a language key: a plain
 * word, so it cannot reach outside its node. */
static int is_word(const char *s)
{
    if (!s || !*s || strlen(s) > 32) return 0;
    for (; *s; s++) if (!((*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    return 1;
}

/* The language's string for key, or for fallback when it has none. */
static const char *lang_or(render_t *r, const char *key, const char *fallback)
{
    const char *t = render_str(r, key);
    return strcmp(t, key) != 0 ? t : render_str(r, fallback);
}

/* text with {stage} and {of} replaced by the numbers (in the arena). */
static const char *fill_numbers(arena_t *a, const char *text, long long stage, long long of)
{
    char buf[512];
    size_t n = 0;
    /* Room is kept for a number and the NUL at every step. */
    while (*text && n < sizeof buf - 24) {
        if (!strncmp(text, "{stage}", 7)) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld", stage);
            text += 7;
        } else if (!strncmp(text, "{of}", 4)) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld", of);
            text += 4;
        } else {
            buf[n++] = *text++;
        }
    }
    buf[n] = '\0';
    return arena_strdup(a, buf);
}

/* The words for one progress line of fingerd (docs/fingerd.md §4). */
static const char *event_text(web_req_t *req, const json_t *ev)
{
    render_t *r = page_r(req);
    const char *event = json_string_value(json_object_get(ev, "event"));
    long long stage = json_integer_value(json_object_get(ev, "stage"));
    long long of = json_integer_value(json_object_get(ev, "of"));
    char key[96];
    if (!event) return "";
    if (!strcmp(event, "started")) {
        const char *op = json_string_value(json_object_get(ev, "op"));
        of = json_integer_value(json_object_get(ev, "stages"));
        snprintf(key, sizeof key, "fingerprints.events.started.%s", is_word(op) ? op : "other");
        return fill_numbers(req->arena, lang_or(r, key, "fingerprints.events.started.other"), 0, of);
    }
    if (!strcmp(event, "scan"))
        return fill_numbers(req->arena, render_str(r, of > 1 ? "fingerprints.events.scan_of" : "fingerprints.events.scan"),
                            stage, of);
    if (!strcmp(event, "stage")) return fill_numbers(req->arena, render_str(r, "fingerprints.events.stage"), stage, of);
    if (!strcmp(event, "matching"))
        return fill_numbers(req->arena, render_str(r, "fingerprints.events.matching"), 0,
                            json_integer_value(json_object_get(ev, "prints")));
    if (!strcmp(event, "retry")) {
        const char *code = json_string_value(json_object_get(ev, "code"));
        snprintf(key, sizeof key, "fingerprints.retry.%s", is_word(code) ? code : "general");
        return lang_or(r, key, "fingerprints.retry.general");
    }
    return "";
}

/* One JSON object and its newline to the browser: 0, or -1 once it is gone. */
static int send_line(web_req_t *req, const json_t *line)
{
    char *text = json_dumps(line, JSON_COMPACT);
    const char *out = text ? arena_printf(req->arena, "%s\n", text) : NULL;
    free(text);
    if (!out) return -1;
    return web_stream_write(req, out, strlen(out));
}

struct relay {
    web_req_t *req;
    int streamed;
};

/* fingerd's progress line, passed on with its words.  Nonzero (the browser
 * is gone) makes fingerc hang up, which cancels the reader's operation. */
static int relay_event(const json_t *ev, void *p)
{
    const struct relay *x = p;
    if (!x->streamed) return 0;
    json_t *line = json_deep_copy(ev);
    if (!line) return 0;
    json_object_del(line, "id");
    json_object_set_new(line, "text", json_string(event_text(x->req, ev)));
    int gone = send_line(x->req, line) != 0;
    json_decref(line);
    return gone;
}

void bo_fp_live_outcome(web_req_t *req, int ok, const char *code)
{
    render_t *r = page_r(req);
    render_set_int(r, ok != 0, "FpLive.ok");
    render_set(r, code, "FpLive.outcome");
    char key[96];
    snprintf(key, sizeof key, "fingerprints.outcome.%s", is_word(code) ? code : "failed");
    render_set(r, ok ? "" : lang_or(r, key, "fingerprints.outcome.failed"), "FpLive.message");
}

/* The outcome of a call that did not succeed. */
static const char *failure_code(int status, const json_t *final)
{
    switch (status) {
    case FINGERC_UNREACHABLE: return "not_running";
    case FINGERC_NO_REPLY: return "no_reply";
    case FINGERC_STOPPED: return "cancelled";
    case FINGERC_REFUSED: {
        const char *code = fingerc_error_code(final);
        return bo_in_set(fingerd_errors, code) ? code : "reader_error";
    }
    default: return "bad_reply";
    }
}

/* The final line, or the page for a browser without JavaScript. */
static int answer(web_req_t *req, const fp_live_t *live, int streamed)
{
    if (!streamed) return page_render(req, live->page) ? 500 : 0;
    char *html = NULL;
    size_t len = 0;
    if (render_string(page_r(req), live->fragment, &html, &len) != 0) html = NULL;
    int ok = hdf_get_int_value(render_hdf(page_r(req)), "FpLive.ok", 0);
    json_t *line = json_pack("{s:b, s:s}", "ok", ok && html, "html", html ? html : "");
    free(html);
    if (!line) line = json_pack("{s:b, s:s}", "ok", 0, "html", "");
    if (web_stream_begin(req, NDJSON) == 0 && line) send_line(req, line);
    json_decref(line);
    return 0;
}

int bo_fp_live_refuse(web_req_t *req, const fp_live_t *live, const char *code, int http_status)
{
    bo_fp_live_outcome(req, 0, code);
    web_set_status(req, http_status);
    return answer(req, live, wants_stream(req));
}

int bo_fp_live(web_req_t *req, const fp_live_t *live)
{
    int streamed = wants_stream(req);
    struct relay x = { req, streamed };
    const config_t *cfg = req->w->cfg;
    const char *op = json_string_value(json_object_get(live->request, "op"));
    char sock[256], err[256] = "";
    json_t *final = NULL;
    int status, no_reader = 0;
    /* The head goes out first: the browser sees at once that the reader
     * was asked, whatever it then takes. */
    if (streamed && web_stream_begin(req, NDJSON) != 0) {
        status = FINGERC_STOPPED;
        snprintf(err, sizeof err, "the browser went away");
    } else if (fingerc_reader_socket(cfg, live->site_id, sock, sizeof sock) != 0) {
        status = FINGERC_UNREACHABLE;
        no_reader = 1;
        snprintf(err, sizeof err, "no fingerprint reader is configured for site %lld", (long long)live->site_id);
    } else {
        int idle_ms = (fingerc_reader_scan_timeout(cfg, live->site_id) + IDLE_MARGIN_S) * 1000;
        status = fingerc_call_watch(sock, live->request, idle_ms, web_client_fd(req), relay_event, &x, &final,
                                    err, sizeof err);
    }
    if (status == FINGERC_OK) {
        const char *event = json_string_value(json_object_get(final, "event"));
        bo_fp_live_outcome(req, 1, event ? event : "done");
    } else {
        bo_fp_live_outcome(req, 0, no_reader ? "no_reader" : failure_code(status, final));
        if (status != FINGERC_STOPPED) log_warn("fingerprint %s for site %lld: %s", op ? op : "?", (long long)live->site_id, err);
    }
    int rc = live->on_final ? live->on_final(req, status, final, err, live->ctx) : 0;
    json_decref(final);
    if (rc >= 400) {
        db_rollback(page_db(req));
        if (hdf_get_int_value(render_hdf(page_r(req)), "FpLive.ok", 0)) bo_fp_live_outcome(req, 0, "save_failed");
        if (!streamed) web_set_status(req, rc);
    }
    /* Nobody is left to read an answer. */
    if (status == FINGERC_STOPPED) return 0;
    return answer(req, live, streamed);
}

/* fingerd's "state" as a screen names it. */
static const char *reader_state(const char *state)
{
    if (!state) return "no_reply";
    if (!strcmp(state, "idle")) return "ready";
    if (!strcmp(state, "busy") || !strcmp(state, "no_device")) return state;
    return "no_reply";
}

void bo_fp_reader_state(web_req_t *req, int64_t site_id)
{
    render_t *r = page_r(req);
    char sock[256], err[256];
    if (fingerc_reader_socket(req->w->cfg, site_id, sock, sizeof sock) != 0) {
        render_set(r, "no_reader", "Reader.state");
        return;
    }
    json_t *ask = json_pack("{s:s}", "op", "status"), *final = NULL;
    int status = ask ? fingerc_call(sock, ask, STATUS_IDLE_MS, NULL, NULL, &final, err, sizeof err) : FINGERC_UNREACHABLE;
    json_decref(ask);
    if (status == FINGERC_OK) {
        render_set(r, reader_state(json_string_value(json_object_get(final, "state"))), "Reader.state");
        render_set(r, json_string_value(json_object_get(final, "busy_with")), "Reader.busy_with");
        const json_t *dev = json_object_get(final, "device");
        render_set(r, json_string_value(json_object_get(dev, "name")), "Reader.device");
        render_set(r, json_string_value(json_object_get(dev, "driver")), "Reader.driver");
        render_set_int(r, json_integer_value(json_object_get(dev, "enroll_stages")), "Reader.stages");
    } else {
        render_set(r, status == FINGERC_UNREACHABLE ? "not_running" : "no_reply", "Reader.state");
        log_warn("fingerprint reader of site %lld: %s", (long long)site_id, err);
    }
    json_decref(final);
}
