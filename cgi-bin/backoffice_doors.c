/* Back office: doors.  Opening a cell by hand (through boardd), what a
 * cell's door and lock have done, the live state of a site's doors for
 * the grid, and the alarms boardd raises with their acknowledgement.
 * Opening goes through boards_open_cell, audited before boardd is asked. */
#include "backoffice.h"
#include "boardc.h"
#include "boards.h"
#include "json.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY 20
#define PAGE_SIZE 50

/* What the cell page can say after an open: boardd's outcomes (§3), then
 * what can go wrong on the way to boardd. */
static const char *const open_results[] = { "opened", "acknowledged", "jammed", "no_answer", "expired", "unknown",
                                            "refused", "unreachable", "unavailable", "no_reply", "not_wired",
                                            "rejected", "bad_reply", NULL };

/* ---------- the cell page ---------- */

/* The result of an open this page was redirected with. */
static int open_result(web_req_t *req, int64_t cell_id)
{
    const char *done = web_query(req, "done"), *cmd = web_query(req, "cmd");
    if (!bo_in_set(open_results, done)) return 0;
    render_t *r = page_r(req);
    render_set(r, done, "OpenResult.outcome");
    render_set(r, !strcmp(done, "opened") || !strcmp(done, "acknowledged") ? "ok"
                  : !strcmp(done, "no_reply") ? "warn" : "error", "OpenResult.kind");
    const char *rep = web_query(req, "replayed");
    if (rep && !strcmp(rep, "1")) render_set(r, "1", "OpenResult.replayed");
    if (!boardc_valid_command_id(cmd)) return 1;
    render_set(r, cmd, "OpenResult.command_id");
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT d.state, d.detail FROM door_commands d WHERE d.command_id = ? AND d.cell_id = ?", "si", cmd, cell_id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows == 1) {
        render_set(r, db_cell(res, 0, 0), "OpenResult.state");
        render_set(r, db_cell(res, 0, 1), "OpenResult.detail");
    }
    return 1;
}

int bo_cell_doors(web_req_t *req, int64_t cell_id)
{
    render_t *r = page_r(req);
    db_t *db = page_db(req);
    db_res_t *res;
    int rc = db_query(db, req->arena, &res,
        "SELECT u.id, u.name, u.protocol, u.enabled, b.address, l.channel, l.has_sensor FROM cell_locks l"
        " JOIN boards b ON b.id = l.board_id JOIN board_buses u ON u.id = b.bus_id WHERE l.cell_id = ?", "i", cell_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const lock_cols[] = { "bus_id", "bus", "protocol", "enabled", "address", "channel", "sensor", NULL };
    if (res->nrows == 1) bo_set_row(r, res, 0, lock_cols, "Lock");

    rc = db_query(db, req->arena, &res, "SELECT d.door, d.occupied, " BO_SITE_LOCAL("d.changed_at")
                  " FROM door_states d JOIN sites s ON s.id = d.site_id WHERE d.cell_id = ?", "i", cell_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const door_cols[] = { "door", "occupied", "changed", NULL };
    if (res->nrows == 1) bo_set_row(r, res, 0, door_cols, "Door");

    rc = db_query(db, req->arena, &res,
        "SELECT e.door, e.occupied, " BO_SITE_LOCAL("e.at") ", c.command_id FROM door_events e"
        " JOIN sites s ON s.id = e.site_id LEFT JOIN door_commands c ON c.id = e.command_id"
        " WHERE e.cell_id = ? ORDER BY e.id DESC LIMIT ?", "iI", cell_id, HISTORY);
    if (rc) return page_db_fail(req, rc);
    static const char *const event_cols[] = { "door", "occupied", "at", "command_id", NULL };
    bo_set_rows(r, res, event_cols, "Events");

    rc = db_query(db, req->arena, &res,
        "SELECT d.command_id, d.state, d.actor, d.reason, d.detail, " BO_SITE_LOCAL("d.created_at") ","
        " " BO_SITE_LOCAL("d.fired_at") ", " BO_SITE_LOCAL("d.finished_at") " FROM door_commands d"
        " JOIN sites s ON s.id = d.site_id WHERE d.cell_id = ? ORDER BY d.id DESC LIMIT ?", "iI", cell_id, HISTORY);
    if (rc) return page_db_fail(req, rc);
    static const char *const cmd_cols[] = { "command_id", "state", "actor", "reason", "detail", "created", "fired",
                                            "finished", NULL };
    bo_set_rows(r, res, cmd_cols, "Commands");

    /* A fresh id per form shown: sending this form twice replays one
     * command instead of firing twice; an error keeps the id sent. */
    if (!hdf_get_value(render_hdf(r), "OpenForm.command_id", NULL)) {
        char id[BOARDS_BO_COMMAND_LEN + 1];
        boards_new_bo_command_id(id);
        render_set(r, id, "OpenForm.command_id");
    }
    return web_is_post(req) ? 0 : open_result(req, cell_id);
}

/* ---------- opening a cell ---------- */

/* Why a cell cannot be opened before anything is sent, as a form error. */
static int refuse_open(web_req_t *req, int64_t cell_id, const char *reason, const char *cmd, const char *field,
                       const char *code, int status)
{
    inv_error_t err = { field, code };
    render_t *r = page_r(req);
    render_set(r, reason, "OpenForm.reason");
    if (boards_valid_bo_command_id(cmd) && strcmp(code, "bad_command") != 0) render_set(r, cmd, "OpenForm.command_id");
    bo_form_error(req, &err);
    web_set_status(req, status);
    return bo_cell_page(req, cell_id);
}

/* What boardc_open's status and result become on the cell page. */
static const char *result_name(int rc, const boardc_result_t *res)
{
    switch (rc) {
    case BOARDC_OK:          return res->outcome;
    case BOARDC_UNREACHABLE: return "unreachable";
    case BOARDC_NO_REPLY:    return "no_reply";
    case BOARDC_REFUSED:
        if (!strcmp(res->error, "unknown_cell")) return "not_wired";
        /* boardd could not store the command and so fired nothing: say
         * that, rather than a bare refusal the clerk cannot act on. */
        if (!strcmp(res->error, "database_unavailable")) return "unavailable";
        return "rejected";
    case BOARDC_BAD_REPLY:   return "bad_reply";
    default:                 return "rejected";
    }
}

int bo_cell_open(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int rc = bo_load_cell(req, id);
    if (rc) return rc;
    db_t *db = page_db(req);
    const char *reason = web_form_trimmed(req, "reason"), *cmd = web_form_trimmed(req, "command_id");
    inv_error_t err = { 0 };
    if (!boards_valid_bo_command_id(cmd)) return refuse_open(req, id, reason, cmd, "command_id", "bad_command", 422);
    if (boards_validate_reason(reason, &err) != 0) return refuse_open(req, id, reason, cmd, err.field, err.code, 422);

    const auth_user_t *u = staff_user(req);
    audit_actor_t who = staff_actor(req);
    char actor[65];
    /* "staff:" and a user name of up to 64 ASCII characters: cut to boardd's 64. */
    snprintf(actor, sizeof actor, "staff:%s", u->username);
    boards_open_t o;
    boards_open_cell(db, req->arena, req->w->cfg, &who, id, cmd, reason, actor, &o);
    if (o.db_rc != DB_OK) return page_db_fail(req, o.db_rc);
    /* A copied or tampered form: a fresh id is put in it instead. */
    if (o.id_reused) return refuse_open(req, id, reason, cmd, "command_id", "bad_command", 422);
    if (o.not_wired) return refuse_open(req, id, reason, cmd, "lock", "not_wired", 409);
    if (o.bus_disabled) return refuse_open(req, id, reason, cmd, "lock", "bus_disabled", 409);
    if (o.status != BOARDC_OK) log_warn("open of cell %lld (%s): %s", (long long)id, cmd, o.err);
    return web_redirect(req, arena_printf(req->arena, "/admin/cells/%lld?done=%s&cmd=%s%s", (long long)id,
                                          result_name(o.status, &o.result), cmd,
                                          o.status == BOARDC_OK && o.result.replayed ? "&replayed=1" : ""));
}

/* ---------- the live grid ---------- */

int bo_site_doors(web_req_t *req)
{
    int64_t site = web_param_id(req, 0);
    if (site <= 0 || staff_check_site(req, site)) return web_fail(req, 404, "not_found", NULL);
    json_t *cells;
    int rc = boards_doors(page_db(req), req->arena, site, &cells);
    if (rc) return page_db_fail(req, rc);
    return json_send(req, 200, json_pack("{s:o}", "cells", cells));
}

/* Reads and renders the grid's doors fragment (backoffice/grid_doors.cs). */
static int render_grid_doors(web_req_t *req, int64_t site_id, char **html, size_t *len)
{
    render_t *r = page_r(req);
    db_res_t *res;
    /* A site without locks has nothing for the page's script to poll. */
    int rc = db_query(page_db(req), req->arena, &res, "SELECT COUNT(*) FROM cell_locks l JOIN cells c"
                      " ON c.id = l.cell_id WHERE c.site_id = ?", "i", site_id);
    if (rc) return page_db_fail(req, rc);
    render_set(r, db_cell(res, 0, 0), "Doors.wired");
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT c.id, c.label, " BO_SITE_LOCAL("d.changed_at") " FROM door_states d JOIN cells c ON c.id = d.cell_id"
        " JOIN sites s ON s.id = d.site_id WHERE d.site_id = ? AND d.door = 'open' ORDER BY c.label", "i", site_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const open_cols[] = { "id", "label", "since", NULL };
    bo_set_rows(r, res, open_cols, "OpenDoors");
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT a.id, a.kind, a.cell_id, c.label, u.name, b.address, a.detail, " BO_SITE_LOCAL("a.raised_at") ","
        " a.cleared_at IS NOT NULL, a.acked_at IS NOT NULL"
        " FROM door_alarms a JOIN sites s ON s.id = a.site_id LEFT JOIN cells c ON c.id = a.cell_id"
        " LEFT JOIN boards b ON b.id = a.board_id LEFT JOIN board_buses u ON u.id = b.bus_id"
        " WHERE a.site_id = ? AND (a.cleared_at IS NULL OR a.acked_at IS NULL) ORDER BY a.id DESC LIMIT 100",
        "i", site_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const alarm_cols[] = { "id", "kind", "cell_id", "cell", "bus", "address", "detail", "raised",
                                              "cleared", "acked", NULL };
    bo_set_rows(r, res, alarm_cols, "LiveAlarms");
    return render_string(r, "backoffice/grid_doors.cs", html, len) != 0 ? 500 : 0;
}

int bo_grid_doors(web_req_t *req, int64_t site_id)
{
    render_t *r = page_r(req);
    /* A door, an alarm, the wiring or a bus (its name) changes the site's
     * doors version (triggers of 0007_doors_version.sql); a cell's label
     * changes the inventory version (Site.version), and the times shown
     * are in the site's zone, so all three are in the key.  The link to
     * the alarms page depends on the user's role. */
    const char *key = arena_printf(req->arena, "doors/%lld/%s/%s/%s/%s/%d", (long long)site_id,
                                   hdf_get_value(render_hdf(r), "Site.doors_version", "0"),
                                   hdf_get_value(render_hdf(r), "Site.version", "0"),
                                   hdf_get_value(render_hdf(r), "Site.time_zone", ""), req->lang,
                                   auth_role_can(staff_user(req)->role, "alarms.view"));
    fragcache_t *cache = ((staff_worker_t *)req->w->app_data)->fragments;
    size_t len;
    const char *html = fragcache_get(cache, key, &len);
    if (html) {
        render_set(r, html, "DoorsHtml");
        return 0;
    }
    /* NULL until rendered: a failure that left it so is not cached. */
    char *fresh = NULL;
    int rc = render_grid_doors(req, site_id, &fresh, &len);
    if (rc || !fresh) return rc ? rc : 500;
    render_set(r, fresh, "DoorsHtml");
    fragcache_put(cache, key, fresh, len);
    return 0;
}

/* ---------- alarms ---------- */

static const char *const alarm_states[] = { "attention", "active", "all", NULL };

int bo_alarms_count(web_req_t *req)
{
    int64_t n = 0;
    int rc = boards_alarms_pending(page_db(req), req->arena, staff_user(req), &n);
    if (rc) return page_db_fail(req, rc);
    return json_send(req, 200, json_pack("{s:I}", "pending", (json_int_t)n));
}

/* The list with the filters of the request (query, or the ack form's
 * hidden copies of them: web_param reads the form first). */
static int alarms_page(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    render_t *r = page_r(req);
    const char *state = web_param(req, "state");
    if (!bo_in_set(alarm_states, state)) state = "attention";
    int64_t site = web_id(web_param(req, "site"));
    int rc = site ? staff_check_site(req, site) : 0;
    if (rc) return rc;
    const char *p = web_param(req, "page");
    long page = p ? strtol(p, NULL, 10) : 1;
    if (page < 1 || page > 100000) page = 1;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT a.id, a.kind, a.site_id, s.name, a.cell_id, c.label, u.name, b.address, a.detail,"
        " " BO_SITE_LOCAL("a.raised_at") ", " BO_SITE_LOCAL("a.cleared_at") ", a.acked_by, " BO_SITE_LOCAL("a.acked_at") ","
        " a.ack_note FROM door_alarms a JOIN sites s ON s.id = a.site_id LEFT JOIN cells c ON c.id = a.cell_id"
        " LEFT JOIN boards b ON b.id = a.board_id LEFT JOIN board_buses u ON u.id = b.bus_id"
        " WHERE (? = 1 OR a.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"
        " AND (? = 0 OR a.site_id = ?) AND (? <> 'attention' OR a.acked_at IS NULL)"
        " AND (? <> 'active' OR a.cleared_at IS NULL) ORDER BY a.id DESC LIMIT ? OFFSET ?",
        "IiiissII", u->all_sites, u->id, site, site, state, state, PAGE_SIZE + 1, (int)((page - 1) * PAGE_SIZE));
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "id", "kind", "site_id", "site", "cell_id", "cell", "bus", "address", "detail",
                                        "raised", "cleared", "acked_by", "acked_at", "note", NULL };
    int rows = res->nrows > PAGE_SIZE ? PAGE_SIZE : res->nrows;
    for (int i = 0; i < rows; i++)
        for (int c = 0; cols[c]; c++) render_set(r, db_cell(res, i, c), "Alarms.%d.%s", i, cols[c]);
    render_set_int(r, page, "Paging.page");
    if (page > 1) render_set_int(r, page - 1, "Paging.prev");
    if (res->nrows > PAGE_SIZE) render_set_int(r, page + 1, "Paging.next");
    render_set(r, state, "Filter.state");
    if (site) render_set_int(r, site, "Filter.site");
    if ((rc = bo_load_site_choices(req)) != 0) return page_db_fail(req, rc);
    if (!web_is_post(req)) render_set(r, web_query(req, "done"), "Done");
    return page_render(req, "backoffice/alarms.cs") ? 500 : 0;
}

int bo_alarms(web_req_t *req) { return alarms_page(req); }

int bo_alarm_ack(web_req_t *req)
{
    int64_t id = web_param_id(req, 0);
    int64_t site = id > 0 ? boards_site_of_alarm(page_db(req), req->arena, id) : 0;
    if (!site || staff_check_site(req, site)) return web_fail(req, 404, "not_found", NULL);
    const char *note = web_form_trimmed(req, "note");
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    int rc = boards_alarm_ack(page_db(req), &who, id, note, &err);
    if (rc == DB_OK) {
        const char *state = web_form(req, "state");
        int64_t fsite = web_id(web_form(req, "site"));
        const char *p = web_form(req, "page");
        long page = p ? strtol(p, NULL, 10) : 1;
        return web_redirect(req, arena_printf(req->arena, "/admin/alarms?state=%s&site=%s&page=%ld&done=alarm_acked",
                                              bo_in_set(alarm_states, state) ? state : "attention",
                                              fsite ? arena_printf(req->arena, "%lld", (long long)fsite) : "",
                                              page >= 1 && page <= 100000 ? page : 1));
    }
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (!err.code) return page_db_fail(req, rc);
    render_t *r = page_r(req);
    render_set_int(r, id, "AckForm.id");
    render_set(r, note, "AckForm.note");
    bo_form_error(req, &err);
    if (!strcmp(err.code, "already_acked")) web_set_status(req, 409);
    return alarms_page(req);
}
