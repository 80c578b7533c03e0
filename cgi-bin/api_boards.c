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
    /* Trimmed as the back office trims its form field: checked, stored
     * and audited alike (boards_validate_reason takes trimmed text). */
    reason = web_trimmed(r, reason);
    inv_error_t err = { 0 };
    if (boards_validate_reason(reason, &err) != 0) return api_invalid(r, "reason", err.code);

    int64_t id = web_param_id(r, 0);
    db_t *db = r->w->db;
    db_res_t *res;
    int rc = db_query(db, r->arena, &res, "SELECT site_id FROM cells WHERE id = ?", "i", id);
    if (rc) return api_db_failed(r, rc);
    if (res->nrows != 1 || !apikey_can_see_site(api_key(r), db_cell_int(res, 0, 0))) return api_not_found(r);
    audit_actor_t who = api_actor(r);
    boards_open_t o;
    boards_open_cell(db, r->arena, r->w->cfg, &who, id, cmd, reason, actor_text(r), &o);
    if (o.db_rc != DB_OK) return api_db_failed(r, o.db_rc);
    if (o.id_reused)
        return api_problem(r, 409, "idempotency_key_reused", "This Idempotency-Key was used before to open another cell.");
    if (o.not_wired) return api_problem(r, 404, "not_found", "The cell has no lock wired.");
    if (o.bus_disabled)
        return api_problem(r, 409, "bus_disabled", "The bus of this cell's lock is switched off: nothing was sent.");
    switch (o.status) {
    case BOARDC_OK:
        return json_send(r, 200, json_pack("{s:s, s:s, s:b, s:s}", "command_id", cmd, "outcome", o.result.outcome,
                                           "replayed", o.result.replayed, "detail", o.result.detail));
    case BOARDC_UNREACHABLE:
        log_warn("open of cell %lld (%s): %s", (long long)id, cmd, o.err);
        return api_problem(r, 503, "boards_unavailable", "The lock-board service (boardd) is not reachable: nothing was sent.");
    case BOARDC_NO_REPLY:
        log_warn("open of cell %lld (%s): %s", (long long)id, cmd, o.err);
        return api_problem(r, 503, "boards_unavailable", "The lock-board service took the command but did not answer in"
                           " time: retry with the same Idempotency-Key to learn its outcome.");
    case BOARDC_REFUSED:
        /* Wired and on in the database, but boardd has not loaded the lock
         * (it was not told of the change yet). */
        if (!strcmp(o.result.error, "unknown_cell"))
            return api_problem(r, 404, "not_found", "The lock-board service knows no lock for this cell yet"
                               " (its wiring was not loaded): nothing was sent.");
        /* boardd could not store the command, so it fired nothing: the
         * client may retry, as after any 503 (api.c adds Retry-After). */
        if (!strcmp(o.result.error, "database_unavailable")) {
            log_warn("open of cell %lld (%s): %s", (long long)id, cmd, o.err);
            return api_problem(r, 503, "boards_unavailable",
                               "The lock-board service cannot reach its database: nothing was sent.");
        }
        /* fall through */
    default:
        log_error("open of cell %lld (%s): %s", (long long)id, cmd, o.err);
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
