/* The doors part of the JSON API: opening a cell through boardd and the
 * state of a site's doors.  Same conventions as api.c: scoped to the
 * key's sites (another site's id answers 404 like a missing one), writes
 * need a key that may write, every error is a problem document.
 *
 * An open needs an Idempotency-Key: it becomes boardd's command id,
 * "api-<key id>-<Idempotency-Key>", so a retry (after a timeout, say)
 * answers with the first command's outcome and never fires twice. */
#include "api.h"
#include "boardc.h"
#include "boards.h"
#include "json.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPEN_EXPIRY_MS 30000
#define OPEN_TIMEOUT_MS 15000
/* "api-" + a key id (at most 19 digits) + "-" + this makes at most 64. */
#define IDEM_MAX 40

/* The command id for this key and request, or NULL with a 400 sent. */
static const char *command_id(web_req_t *r)
{
    const char *h = web_env(r, "HTTP_IDEMPOTENCY_KEY");
    if (!h || !*h) {
        api_problem(r, 400, "idempotency_key_missing",
                    "Send an Idempotency-Key header (a unique text per open, reused only to retry it).");
        return NULL;
    }
    int ok = strlen(h) <= IDEM_MAX;
    for (const unsigned char *p = (const unsigned char *)h; ok && *p; p++) ok = *p > 0x20 && *p < 0x7f;
    if (!ok) {
        api_problem(r, 400, "bad_idempotency_key",
                    "The Idempotency-Key header must be 1 to 40 printable ASCII characters without spaces.");
        return NULL;
    }
    return arena_printf(r->arena, "api-%lld-%s", (long long)api_key(r)->id, h);
}

/* "api:<key name>" cut to boardd's 64 bytes at a character boundary. */
static const char *actor_text(web_req_t *r)
{
    const char *full = arena_printf(r->arena, "api:%s", api_key(r)->name);
    size_t cut = strlen(full);
    if (cut <= 64) return full;
    cut = 64;
    while (cut > 0 && ((unsigned char)full[cut] & 0xC0) == 0x80) cut--;
    return arena_strndup(r->arena, full, cut);
}

int api_cell_open(web_req_t *r)
{
    if (!api_key(r)->can_write) return api_problem(r, 403, "forbidden", "This key may only read.");
    const char *cmd = command_id(r);
    if (!cmd) return 0;
    json_t *body = api_body_object(r);
    if (!body) return 0;
    const char *reason = NULL, *why = NULL;
    int bad = json_get_string(body, "reason", 1, NULL, r->arena, &reason, &why);
    json_decref(body);
    if (bad) return api_invalid(r, "reason", why);
    inv_error_t err = { 0 };
    if (boards_validate_reason(reason, &err) != 0) return api_invalid(r, "reason", err.code);

    int64_t id = web_param_id(r, 0);
    db_t *db = r->w->db;
    db_res_t *res;
    int rc = db_query(db, r->arena, &res, "SELECT c.site_id, l.cell_id FROM cells c"
                      " LEFT JOIN cell_locks l ON l.cell_id = c.id WHERE c.id = ?", "i", id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 0))) return api_not_found(r);
    int64_t site = db_cell_int(res, 0, 0);
    if (!db_cell(res, 0, 1)) return api_problem(r, 404, "not_found", "The cell has no lock wired.");
    /* boardd would answer a known id with its stored outcome, whatever
     * the cell: a key reused for another cell is a mistake to report. */
    rc = db_query(db, r->arena, &res, "SELECT cell_id FROM door_commands WHERE command_id = ?", "s", cmd);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows == 1 && db_cell_int(res, 0, 0) != id)
        return api_problem(r, 409, "idempotency_key_reused", "This Idempotency-Key was used before to open another cell.");

    audit_actor_t who = api_actor(r);
    json_t *detail = json_pack("{s:s, s:s}", "command_id", cmd, "reason", reason);
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    rc = text ? audit_write(db, &who, "cell.open", "cell", id, site, text) : DB_ERR;
    free(text);
    if (rc) return api_db_failed(r, rc);

    char path[512], msg[300] = "Boardd.Socket is too long";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    boardc_open_req_t q = { .cell_id = id, .command_id = cmd, .reason = reason, .actor = actor_text(r),
                            .expires_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + OPEN_EXPIRY_MS };
    boardc_result_t out = { 0 };
    rc = boardc_socket_path(r->w->cfg, path, sizeof path) == 0
        ? boardc_open(path, &q, OPEN_TIMEOUT_MS, &out, msg, sizeof msg) : BOARDC_UNREACHABLE;
    switch (rc) {
    case BOARDC_OK:
        return json_send(r, 200, json_pack("{s:s, s:s, s:b, s:s}", "command_id", cmd, "outcome", out.outcome,
                                           "replayed", out.replayed, "detail", out.detail));
    case BOARDC_UNREACHABLE:
        log_warn("open of cell %lld (%s): %s", (long long)id, cmd, msg);
        return api_problem(r, 503, "boards_unavailable", "The lock-board service (boardd) is not reachable: nothing was sent.");
    case BOARDC_NO_REPLY:
        log_warn("open of cell %lld (%s): %s", (long long)id, cmd, msg);
        return api_problem(r, 503, "boards_unavailable", "The lock-board service took the command but did not answer in"
                           " time: retry with the same Idempotency-Key to learn its outcome.");
    case BOARDC_REFUSED:
        if (!strcmp(out.error, "unknown_cell"))
            return api_problem(r, 404, "not_found", "The cell has no lock wired, or its bus is switched off.");
        /* fall through */
    default:
        log_error("open of cell %lld (%s): %s", (long long)id, cmd, msg);
        return api_problem(r, 500, "internal", NULL);
    }
}

int api_site_doors(web_req_t *r)
{
    int64_t site = web_param_id(r, 0);
    if (!apikey_can_see_site(api_key(r), site)) return api_not_found(r);
    db_res_t *res;
    int rc = db_query(r->w->db, r->arena, &res, "SELECT id FROM sites WHERE id = ?", "i", site);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1) return api_not_found(r);
    json_t *cells;
    if ((rc = boards_doors(r->w->db, r->arena, site, &cells)) != 0) return api_db_failed(r, rc);
    return json_send(r, 200, json_pack("{s:o}", "cells", cells));
}
