#include "fingerc.h"
#include "linesock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fingerc_status_name(int status)
{
    switch (status) {
    case FINGERC_OK: return "ok";
    case FINGERC_UNREACHABLE: return "unreachable";
    case FINGERC_NO_REPLY: return "no_reply";
    case FINGERC_REFUSED: return "refused";
    case FINGERC_BAD_REPLY: return "bad_reply";
    case FINGERC_STOPPED: return "stopped";
    default: return "error";
    }
}

const char *fingerc_error_code(const json_t *final)
{
    const char *code = json_string_value(json_object_get(final, "error"));
    return code ? code : "";
}

struct find_reader {
    const config_t *cfg;
    int64_t site_id;
    char *out;
    size_t outlen;
    int found;
    int scan_timeout;
};

static void match_reader(void *p, const char *name)
{
    struct find_reader *f = p;
    if (f->found) return;
    char key[160];
    snprintf(key, sizeof key, "Fingerd.Readers.%s.Site", name);
    if (config_int(f->cfg, key, 0) != f->site_id) return;
    snprintf(key, sizeof key, "Fingerd.Readers.%s.ScanTimeoutSec", name);
    f->scan_timeout = (int)config_int(f->cfg, key, FINGERC_SCAN_TIMEOUT_DEFAULT);
    snprintf(key, sizeof key, "Fingerd.Readers.%s.Socket", name);
    const char *sock = config_get(f->cfg, key, NULL);
    int n = sock && *sock ? snprintf(f->out, f->outlen, "%s", sock)
                          : snprintf(f->out, f->outlen, "%s/run/fingerd-%s.sock",
                                     config_get(f->cfg, "Paths.Var", "/var/lib/strongroom"), name);
    f->found = n < 0 || (size_t)n >= f->outlen ? -1 : 1;
}

int fingerc_reader_socket(const config_t *cfg, int64_t site_id, char *out, size_t outlen)
{
    struct find_reader f = { cfg, site_id, out, outlen, 0, FINGERC_SCAN_TIMEOUT_DEFAULT };
    if (site_id > 0) config_each_child(cfg, "Fingerd.Readers", match_reader, &f);
    return f.found == 1 ? 0 : -1;
}

int fingerc_reader_scan_timeout(const config_t *cfg, int64_t site_id)
{
    char sock[256];
    struct find_reader f = { cfg, site_id, sock, sizeof sock, 0, FINGERC_SCAN_TIMEOUT_DEFAULT };
    if (site_id > 0) config_each_child(cfg, "Fingerd.Readers", match_reader, &f);
    return f.scan_timeout > 0 ? f.scan_timeout : FINGERC_SCAN_TIMEOUT_DEFAULT;
}

int fingerc_call(const char *sock_path, const json_t *request, int idle_ms, fingerc_event_fn on_event, void *ctx,
                 json_t **final, char *err, size_t errlen)
{
    return fingerc_call_watch(sock_path, request, idle_ms, -1, on_event, ctx, final, err, errlen);
}

int fingerc_call_watch(const char *sock_path, const json_t *request, int idle_ms, int watch_fd,
                       fingerc_event_fn on_event, void *ctx, json_t **final, char *err, size_t errlen)
{
    *final = NULL;
    if (idle_ms < 1) idle_ms = 1;
    char *text = json_dumps(request, JSON_COMPACT);
    if (!text) return snprintf(err, errlen, "the request cannot be written as JSON"), FINGERC_UNREACHABLE;
    size_t tl = strlen(text);
    char *line = realloc(text, tl + 2);
    if (!line) { free(text); return snprintf(err, errlen, "out of memory"), FINGERC_UNREACHABLE; }
    line[tl] = '\n';
    line[tl + 1] = '\0';

    int64_t start = linesock_now_ms();
    linesock_t ls;
    int rc = linesock_connect(&ls, "fingerd", sock_path, FINGERC_MAX_LINE,
                              start + (idle_ms < FINGERC_CONNECT_MS ? idle_ms : FINGERC_CONNECT_MS), err, errlen);
    if (rc == 0) rc = linesock_send(&ls, line, tl + 1, start + idle_ms, err, errlen);
    free(line);
    if (rc != 0) { linesock_close(&ls); return FINGERC_UNREACHABLE; }

    int64_t grace_ms = 0;      /* matching under way: the final line may take longer */
    for (;;) {
        char *got;
        size_t len;
        int64_t deadline = linesock_now_ms() + idle_ms + grace_ms;
        if (watch_fd >= 0 && linesock_wait_watch(&ls, watch_fd, deadline) == LINESOCK_WATCH_GONE) {
            snprintf(err, errlen, "the client went away");
            rc = FINGERC_STOPPED;
            break;
        }
        rc = linesock_read(&ls, deadline, &got, &len, err, errlen);
        if (rc != LINESOCK_LINE) { rc = rc == LINESOCK_TOO_LONG ? FINGERC_BAD_REPLY : FINGERC_NO_REPLY; break; }
        json_error_t je;
        json_t *o = json_loadb(got, len, 0, &je);
        if (!json_is_object(o)) {
            json_decref(o);
            snprintf(err, errlen, "fingerd sent a line that is not a JSON object");
            rc = FINGERC_BAD_REPLY;
            break;
        }
        json_t *ok = json_object_get(o, "ok");
        if (!ok) {
            /* No line comes while the reader matches the finger against
             * its prints (docs/fingerd.md §4): give it time for them. */
            const char *event = json_string_value(json_object_get(o, "event"));
            if (event && !strcmp(event, "matching")) {
                json_int_t n = json_integer_value(json_object_get(o, "prints"));
                grace_ms = n > 0 && n < 1000000 ? (int64_t)n * FINGERC_MATCH_PRINT_MS : 0;
            }
            int stop = on_event ? on_event(o, ctx) : 0;
            json_decref(o);
            if (stop) { snprintf(err, errlen, "stopped"); rc = FINGERC_STOPPED; break; }
            continue;
        }
        *final = o;
        if (json_is_true(ok)) { rc = FINGERC_OK; break; }
        const char *msg = json_string_value(json_object_get(o, "message"));
        snprintf(err, errlen, "%s%s%s", fingerc_error_code(o), msg ? ": " : "", msg ? msg : "");
        rc = FINGERC_REFUSED;
        break;
    }
    linesock_close(&ls);
    return rc;
}

int fingerc_vouches(const config_t *cfg, int64_t site_id, int64_t customer_id, const char *match_id)
{
    char sock[256], err[256];
    if (fingerc_reader_socket(cfg, site_id, sock, sizeof sock) != 0) return -1;
    json_t *q = json_pack("{s:s, s:s}", "op", "match", "match_id", match_id ? match_id : ""), *final = NULL;
    if (!q) return -1;
    int rc = fingerc_call(sock, q, FINGERC_MATCH_MS, NULL, NULL, &final, err, sizeof err);
    json_decref(q);
    int yes = rc == FINGERC_OK && json_integer_value(json_object_get(final, "site")) == site_id &&
              json_integer_value(json_object_get(final, "customer")) == customer_id;
    json_decref(final);
    return yes ? 1 : rc == FINGERC_OK || rc == FINGERC_REFUSED ? 0 : -1;
}
