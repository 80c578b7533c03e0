#include "boardc.h"
#include "linesock.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const boardc_outcomes[] = { "opened", "acknowledged", "jammed", "no_answer", "expired", "unknown",
                                        "refused", NULL };

static int say(char *err, size_t errlen, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int status, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *boardc_status_name(int status)
{
    switch (status) {
    case BOARDC_OK:          return "ok";
    case BOARDC_UNREACHABLE: return "unreachable";
    case BOARDC_NO_REPLY:    return "no_reply";
    case BOARDC_REFUSED:     return "refused";
    case BOARDC_BAD_REPLY:   return "bad_reply";
    default:                 return "bad_request";
    }
}

int boardc_socket_path(const config_t *cfg, char *out, size_t outlen)
{
    const char *p = config_get(cfg, "Boardd.Socket", NULL);
    int n = p && *p ? snprintf(out, outlen, "%s", p)
                    : snprintf(out, outlen, "%s/run/boardd.sock", config_get(cfg, "Paths.Var", "/var/lib/strongroom"));
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---------- pure parts ---------- */

static int printable_ascii(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max) return 0;
    for (; *s; s++) if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
    return 1;
}

int boardc_valid_command_id(const char *s) { return printable_ascii(s, 1, 64); }

int boardc_known_outcome(const char *s)
{
    for (int i = 0; s && boardc_outcomes[i]; i++) if (!strcmp(s, boardc_outcomes[i])) return 1;
    return 0;
}

json_t *boardc_open_request(const boardc_open_req_t *q, char *err, size_t errlen)
{
    size_t rl = q->reason ? strlen(q->reason) : 0, al = q->actor ? strlen(q->actor) : 0;
    const char *bad = q->cell_id <= 0 ? "cell" : !boardc_valid_command_id(q->command_id) ? "command_id"
                    : q->expires_ms <= 0 ? "expires_ms" : rl < 1 || rl > 255 ? "reason" : al < 1 || al > 64 ? "actor" : NULL;
    if (bad) { say(err, errlen, 0, "open: %s out of range", bad); return NULL; }
    json_t *j = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s}", "op", "open", "cell", (json_int_t)q->cell_id,
                          "command_id", q->command_id, "expires_ms", (json_int_t)q->expires_ms,
                          "reason", q->reason, "actor", q->actor);
    if (!j) say(err, errlen, 0, "open: out of memory");
    return j;
}

int boardc_parse_reply(const char *line, size_t len, json_t **reply, char *err, size_t errlen)
{
    *reply = NULL;
    if (len && line[len - 1] == '\r') len--;
    json_error_t je;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) return say(err, errlen, BOARDC_BAD_REPLY, "boardd's reply is not JSON: %s", je.text);
    json_t *ok = json_object_get(j, "ok");
    if (!json_is_object(j) || !json_is_boolean(ok)) {
        json_decref(j);
        return say(err, errlen, BOARDC_BAD_REPLY, "boardd's reply has no \"ok\"");
    }
    *reply = j;
    if (json_is_true(ok)) return BOARDC_OK;
    const char *code = json_string_value(json_object_get(j, "error"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    return say(err, errlen, BOARDC_REFUSED, "%s: %s", code ? code : "error", msg ? msg : "");
}

static double ms_member(const json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    return json_is_number(v) ? json_number_value(v) : -1;
}

int boardc_parse_open(const json_t *reply, const char *want_id, boardc_result_t *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    const char *id = json_string_value(json_object_get(reply, "command_id"));
    const char *outcome = json_string_value(json_object_get(reply, "outcome"));
    json_t *replayed = json_object_get(reply, "replayed");
    json_t *detail = json_object_get(reply, "detail");
    if (!id || (want_id && strcmp(id, want_id) != 0))
        return say(err, errlen, BOARDC_BAD_REPLY, "boardd answered for another command");
    if (!boardc_known_outcome(outcome)) return say(err, errlen, BOARDC_BAD_REPLY, "boardd's outcome is unknown");
    if (replayed && !json_is_boolean(replayed)) return say(err, errlen, BOARDC_BAD_REPLY, "\"replayed\" is not a boolean");
    if (detail && !json_is_string(detail) && !json_is_null(detail))
        return say(err, errlen, BOARDC_BAD_REPLY, "\"detail\" is not a string");
    snprintf(res->command_id, sizeof res->command_id, "%s", id);
    snprintf(res->outcome, sizeof res->outcome, "%s", outcome);
    snprintf(res->detail, sizeof res->detail, "%s", json_is_string(detail) ? json_string_value(detail) : "");
    res->replayed = json_is_true(replayed);
    res->queued_ms = ms_member(reply, "queued_ms");
    res->fired_ms = ms_member(reply, "fired_ms");
    res->answered_ms = ms_member(reply, "answered_ms");
    res->finished_ms = ms_member(reply, "finished_ms");
    return BOARDC_OK;
}

/* One exchange: the reply object (OK or REFUSED) or a failure. */
static int exchange(const char *sock_path, const json_t *request, int timeout_ms, json_t **reply,
                    char *err, size_t errlen)
{
    *reply = NULL;
    int64_t start = linesock_now_ms(), deadline = start + (timeout_ms > 0 ? timeout_ms : 1);
    int64_t connect_by = start + (timeout_ms < BOARDC_CONNECT_MS ? timeout_ms : BOARDC_CONNECT_MS);
    char *text = json_dumps(request, JSON_COMPACT);
    if (!text) return say(err, errlen, BOARDC_BAD_REQUEST, "the request cannot be written as JSON");
    size_t tl = strlen(text);
    char *line = malloc(tl + 2);
    if (!line) { free(text); return say(err, errlen, BOARDC_BAD_REQUEST, "out of memory"); }
    snprintf(line, tl + 2, "%s\n", text);
    free(text);

    linesock_t ls;
    if (linesock_connect(&ls, "boardd", sock_path, BOARDC_MAX_REPLY, connect_by, err, errlen) != 0) {
        free(line);
        return BOARDC_UNREACHABLE;
    }
    int rc = linesock_send(&ls, line, tl + 1, deadline, err, errlen);
    free(line);
    if (rc != 0) { linesock_close(&ls); return BOARDC_UNREACHABLE; }
    char *answer = NULL;
    size_t alen = 0;
    rc = linesock_read(&ls, deadline, &answer, &alen, err, errlen);
    if (rc != LINESOCK_LINE) {
        linesock_close(&ls);
        return rc == LINESOCK_TOO_LONG ? BOARDC_BAD_REPLY : BOARDC_NO_REPLY;
    }
    rc = boardc_parse_reply(answer, alen, reply, err, errlen);
    linesock_close(&ls);
    return rc;
}

int boardc_call(const char *sock_path, json_t *request, int timeout_ms, json_t **reply, char *err, size_t errlen)
{
    if (!json_is_object(request)) return say(err, errlen, BOARDC_BAD_REQUEST, "the request is not an object");
    int rc = exchange(sock_path, request, timeout_ms, reply, err, errlen);
    if (rc != BOARDC_OK) { json_decref(*reply); *reply = NULL; }
    return rc;
}

int boardc_open(const char *sock_path, const boardc_open_req_t *req, int timeout_ms,
                boardc_result_t *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    json_t *q = boardc_open_request(req, err, errlen);
    if (!q) return BOARDC_BAD_REQUEST;
    json_t *reply = NULL;
    int rc = exchange(sock_path, q, timeout_ms, &reply, err, errlen);
    json_decref(q);
    if (rc == BOARDC_OK) rc = boardc_parse_open(reply, req->command_id, res, err, errlen);
    else if (rc == BOARDC_REFUSED) {
        const char *code = json_string_value(json_object_get(reply, "error"));
        snprintf(res->error, sizeof res->error, "%s", code ? code : "error");
    }
    json_decref(reply);
    return rc;
}
