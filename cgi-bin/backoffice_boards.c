/* Back office: the lock-control buses of a site and the boards on them
 * (settings, diagnostics, what boardd says of them live), scanning a bus
 * for boards, and wiring a bank's cells to the channels of a board.
 *
 * Every change is made in lib/boards and then boardd is asked to reload;
 * a boardd that cannot be told costs only a notice, never the change. */
#include "backoffice.h"
#include "boardc.h"
#include "boards.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* boardd answers status and reload from memory; a scan asks every address. */
#define STATUS_TIMEOUT_MS 2000
#define RELOAD_TIMEOUT_MS 5000
#define SCAN_TIMEOUT_MS 20000

static int call_boardd(web_req_t *req, json_t *request, int timeout_ms, json_t **reply, char *err, size_t errlen)
{
    char path[512];
    if (boardc_socket_path(req->w->cfg, path, sizeof path) != 0) {
        json_decref(request);
        snprintf(err, errlen, "Boardd.Socket is too long");
        return BOARDC_UNREACHABLE;
    }
    int rc = boardc_call(path, request, timeout_ms, reply, err, errlen);
    json_decref(request);
    return rc;
}

int bo_boardd_reload(web_req_t *req)
{
    json_t *reply = NULL;
    char err[300];
    int rc = call_boardd(req, json_pack("{s:s}", "op", "reload"), RELOAD_TIMEOUT_MS, &reply, err, sizeof err);
    json_decref(reply);
    if (rc != BOARDC_OK) log_warn("boardd reload: %s", err);
    return rc == BOARDC_OK ? 0 : -1;
}

void bo_reload_notice(web_req_t *req)
{
    const char *v = web_query(req, "reload");
    if (v && !strcmp(v, "failed")) render_set(page_r(req), render_str(page_r(req), "boards.reload_failed"), "Notice");
}

/* Where to go after a change: the page, with the reload's fate. */
static int after_change(web_req_t *req, const char *page)
{
    int reloaded = bo_boardd_reload(req) == 0;
    return web_redirect(req, arena_printf(req->arena, "%s%s", page, reloaded ? "" : "&reload=failed"));
}

static int form_flag(web_req_t *req, const char *name)
{
    const char *v = web_form(req, name);
    return v && !strcmp(v, "1");
}

static void choices(render_t *r)
{
    for (int i = 0; boards_bauds[i]; i++) render_set_int(r, boards_bauds[i], "Bauds.%d", i);
    for (int i = 0; boards_protocols[i]; i++) render_set(r, boards_protocols[i], "Protocols.%d", i);
}

/* ---------- the buses page ---------- */

static const char *const bus_cols[] = { "id", "name", "device", "baud", "protocol", "poll_ms", "reply_timeout_ms",
                                        "retries", "open_confirm_ms", "door_open_alarm_s", "silent_after",
                                        "enabled", NULL };
#define BUS_SELECT "SELECT id, name, device, baud, protocol, poll_ms, reply_timeout_ms, retries, open_confirm_ms," \
                   " door_open_alarm_s, silent_after, enabled FROM board_buses"

/* What boardd says of the site's buses: Buses.N.live.{open,queue}, or
 * Boardd.unreachable.  Never fails the page. */
static void live_status(web_req_t *req, const db_res_t *buses)
{
    render_t *r = page_r(req);
    json_t *reply = NULL;
    char err[300];
    int rc = call_boardd(req, json_pack("{s:s}", "op", "status"), STATUS_TIMEOUT_MS, &reply, err, sizeof err);
    if (rc != BOARDC_OK) {
        render_set(r, boardc_status_name(rc), "Boardd.unreachable");
        return;
    }
    size_t k;
    json_t *b;
    json_array_foreach(json_object_get(reply, "buses"), k, b) {
        json_int_t id = json_integer_value(json_object_get(b, "id"));
        for (int i = 0; i < buses->nrows; i++) {
            if (db_cell_int(buses, i, 0) != id) continue;
            render_set_int(r, json_is_true(json_object_get(b, "open")), "Buses.%d.live.open", i);
            render_set_int(r, json_integer_value(json_object_get(b, "queue")), "Buses.%d.live.queue", i);
        }
    }
    json_decref(reply);
}

/* The page: the site's buses, each with its boards. */
static int buses_page(web_req_t *req, int64_t site_id)
{
    render_t *r = page_r(req);
    db_res_t *buses, *boards;
    int rc = db_query(page_db(req), req->arena, &buses, BUS_SELECT " WHERE site_id = ? ORDER BY name", "i", site_id);
    if (!rc) rc = db_query(page_db(req), req->arena, &boards,
        "SELECT b.id, b.bus_id, b.address, b.channels, b.timed_pulse, b.pulse_ms, b.firmware, b.status,"
        " " BO_SITE_LOCAL("b.last_answer_at") ", b.last_error, b.frames_ok, b.timeouts, b.bad_frames,"
        " (SELECT COUNT(*) FROM cell_locks l WHERE l.board_id = b.id)"
        " FROM boards b JOIN board_buses u ON u.id = b.bus_id JOIN sites s ON s.id = u.site_id"
        " WHERE u.site_id = ? ORDER BY b.bus_id, b.address", "i", site_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const board_cols[] = { "id", "bus_id", "address", "channels", "timed_pulse", "pulse_ms",
                                              "firmware", "status", "last_answer", "last_error", "frames_ok",
                                              "timeouts", "bad_frames", "wired", NULL };
    for (int i = 0; i < buses->nrows; i++) {
        for (int c = 0; bus_cols[c]; c++) render_set(r, db_cell(buses, i, c), "Buses.%d.%s", i, bus_cols[c]);
        int n = 0;
        for (int k = 0; k < boards->nrows; k++) {
            if (db_cell_int(boards, k, 1) != db_cell_int(buses, i, 0)) continue;
            for (int c = 0; board_cols[c]; c++)
                render_set(r, db_cell(boards, k, c), "Buses.%d.boards.%d.%s", i, n, board_cols[c]);
            n++;
        }
    }
    live_status(req, buses);
    render_set(r, web_query(req, "done"), "Done");
    bo_reload_notice(req);
    return page_render(req, "backoffice/buses.cs") ? 500 : 0;
}

int bo_buses(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    int rc = bo_load_site(req, site_id);
    return rc ? rc : buses_page(req, site_id);
}

/* ---------- bus forms ---------- */

static void bus_to_form(render_t *r, const boards_bus_t *b)
{
    render_set(r, b->name, "Bus.name");
    render_set(r, b->device, "Bus.device");
    render_set(r, b->protocol, "Bus.protocol");
    render_set_int(r, b->baud, "Bus.baud");
    render_set_int(r, b->poll_ms, "Bus.poll_ms");
    render_set_int(r, b->reply_timeout_ms, "Bus.reply_timeout_ms");
    render_set_int(r, b->retries, "Bus.retries");
    render_set_int(r, b->open_confirm_ms, "Bus.open_confirm_ms");
    render_set_int(r, b->door_open_alarm_s, "Bus.door_open_alarm_s");
    render_set_int(r, b->silent_after, "Bus.silent_after");
    render_set_int(r, b->enabled, "Bus.enabled");
}

static const char *const bus_numbers[] = { "baud", "poll_ms", "reply_timeout_ms", "retries", "open_confirm_ms",
                                           "door_open_alarm_s", "silent_after", NULL };

static void bus_from_form(web_req_t *req, boards_bus_t *b)
{
    b->name = web_form_trimmed(req, "name");
    b->device = web_form_trimmed(req, "device");
    b->protocol = web_form_trimmed(req, "protocol");
    int *slots[] = { &b->baud, &b->poll_ms, &b->reply_timeout_ms, &b->retries, &b->open_confirm_ms,
                     &b->door_open_alarm_s, &b->silent_after };
    for (int i = 0; bus_numbers[i]; i++) *slots[i] = bo_form_int(req, bus_numbers[i], -1);
    b->enabled = form_flag(req, "enabled");
}

static int bus_form(web_req_t *req, const char *mode)
{
    choices(page_r(req));
    render_set(page_r(req), mode, "Form.mode");
    return page_render(req, "backoffice/bus_form.cs") ? 500 : 0;
}

int bo_bus_new(web_req_t *req)
{
    int rc = bo_load_site(req, web_param_id(req, 0));
    if (rc) return rc;
    boards_bus_t b;
    boards_bus_defaults(&b);
    bus_to_form(page_r(req), &b);
    return bus_form(req, "new");
}

/* The bus a route names, if the user may see its site: its row in Bus.*
 * and the site in Site.*; 0, or an HTTP status. */
static int load_bus(web_req_t *req, int64_t bus_id, int64_t *site_id)
{
    *site_id = bus_id > 0 ? boards_site_of_bus(page_db(req), req->arena, bus_id) : 0;
    int rc = bo_load_site(req, *site_id);
    if (rc) return rc;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res, BUS_SELECT " WHERE id = ?", "i", bus_id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    for (int c = 0; bus_cols[c]; c++) render_set(page_r(req), db_cell(res, 0, c), "Bus.%s", bus_cols[c]);
    return 0;
}

static int bus_save(web_req_t *req, int64_t site_id, int64_t id)
{
    boards_bus_t b;
    bus_from_form(req, &b);
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    int rc = DB_ERR;
    if (boards_validate_bus(&b, &err) == 0) {
        int64_t new_id = id;
        rc = id ? boards_bus_update(page_db(req), &who, id, &b, &err)
                : boards_bus_create(page_db(req), &who, site_id, &b, &new_id, &err);
        if (rc == DB_OK)
            return after_change(req, arena_printf(req->arena, "/admin/sites/%lld/buses?done=bus_saved", (long long)site_id));
        if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
        if (!err.code) return page_db_fail(req, rc);
    }
    /* The form again with what was typed, numbers as typed. */
    render_t *r = page_r(req);
    bus_to_form(r, &b);
    for (int i = 0; bus_numbers[i]; i++)
        render_set(r, web_form_trimmed(req, bus_numbers[i]), "Bus.%s", bus_numbers[i]);
    if (id) render_set_int(r, id, "Bus.id");
    bo_form_error(req, &err);
    return bus_form(req, id ? "edit" : "new");
}

int bo_bus_create(web_req_t *req)
{
    int64_t site_id = web_param_id(req, 0);
    int rc = bo_load_site(req, site_id);
    return rc ? rc : bus_save(req, site_id, 0);
}

int bo_bus_edit(web_req_t *req)
{
    int64_t site_id;
    int rc = load_bus(req, web_param_id(req, 0), &site_id);
    return rc ? rc : bus_form(req, "edit");
}

int bo_bus_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site_id;
    int rc = load_bus(req, id, &site_id);
    return rc ? rc : bus_save(req, site_id, id);
}

int bo_bus_scan(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site_id;
    int rc = load_bus(req, id, &site_id);
    if (rc) return rc;
    render_t *r = page_r(req);
    json_t *reply = NULL;
    char err[300];
    rc = call_boardd(req, json_pack("{s:s, s:I}", "op", "scan", "bus", (json_int_t)id), SCAN_TIMEOUT_MS, &reply,
                     err, sizeof err);
    render_set_int(r, id, "Scan.bus");
    if (rc == BOARDC_OK) {
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(reply, "found"), k, f) {
            render_set_int(r, json_integer_value(json_object_get(f, "address")), "Scan.found.%d.address", (int)k);
            const char *fw = json_string_value(json_object_get(f, "firmware"));
            render_set(r, fw ? fw : "", "Scan.found.%d.firmware", (int)k);
        }
        render_set_int(r, (int64_t)json_array_size(json_object_get(reply, "found")), "Scan.count");
    } else {
        log_warn("scan of bus %lld: %s", (long long)id, err);
        render_set(r, boardc_status_name(rc), "Scan.failed");
        /* boardd's own refusal ("the bus is not open") is worth showing as said. */
        if (rc == BOARDC_REFUSED) render_set(r, err, "Scan.message");
    }
    json_decref(reply);
    return buses_page(req, site_id);
}

/* ---------- board forms ---------- */

static void board_to_form(render_t *r, const boards_board_t *b)
{
    render_set_int(r, b->address, "Board.address");
    render_set_int(r, b->channels, "Board.channels");
    render_set_int(r, b->timed_pulse, "Board.timed_pulse");
    render_set_int(r, b->pulse_ms, "Board.pulse_ms");
}

static int board_form(web_req_t *req, const char *mode)
{
    render_set(page_r(req), mode, "Form.mode");
    return page_render(req, "backoffice/board_form.cs") ? 500 : 0;
}

int bo_board_new(web_req_t *req)
{
    int64_t site_id;
    int rc = load_bus(req, web_param_id(req, 0), &site_id);
    if (rc) return rc;
    boards_board_t b;
    boards_board_defaults(&b);
    /* Modbus slave ids start at 1, CU addresses at 0: 1 suits both. */
    board_to_form(page_r(req), &b);
    return board_form(req, "new");
}

/* The board a route names with its bus (Board.*, Bus.*, Site.*). */
static int load_board(web_req_t *req, int64_t board_id, int64_t *site_id, int64_t *bus_id)
{
    *site_id = *bus_id = 0;
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
                      "SELECT id, bus_id, address, channels, timed_pulse, pulse_ms FROM boards WHERE id = ?", "i", board_id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1) return web_fail(req, 404, "not_found", NULL);
    *bus_id = db_cell_int(res, 0, 1);
    if ((rc = load_bus(req, *bus_id, site_id)) != 0) return rc;
    static const char *const cols[] = { "id", "bus_id", "address", "channels", "timed_pulse", "pulse_ms", NULL };
    for (int c = 0; cols[c]; c++) render_set(page_r(req), db_cell(res, 0, c), "Board.%s", cols[c]);
    return 0;
}

static int board_save(web_req_t *req, int64_t site_id, int64_t bus_id, int64_t id)
{
    boards_board_t b = { .address = bo_form_int(req, "address", -1), .channels = bo_form_int(req, "channels", -1),
                         .timed_pulse = form_flag(req, "timed_pulse"), .pulse_ms = bo_form_int(req, "pulse_ms", -1) };
    inv_error_t err = { 0 };
    audit_actor_t who = staff_actor(req);
    /* The board is checked against its bus's protocol by lib/boards, with
     * the bus locked (a protocol changed meanwhile is seen); a refusal
     * comes back in err like any other. */
    int64_t new_id = id;
    int rc = id ? boards_board_update(page_db(req), &who, id, &b, &err)
                : boards_board_create(page_db(req), &who, bus_id, &b, &new_id, &err);
    if (rc == DB_OK)
        return after_change(req, arena_printf(req->arena, "/admin/sites/%lld/buses?done=board_saved",
                                              (long long)site_id));
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (!err.code) return page_db_fail(req, rc);
    render_t *r = page_r(req);
    board_to_form(r, &b);
    static const char *const nums[] = { "address", "channels", "pulse_ms", NULL };
    for (int i = 0; nums[i]; i++) render_set(r, web_form_trimmed(req, nums[i]), "Board.%s", nums[i]);
    bo_form_error(req, &err);
    return board_form(req, id ? "edit" : "new");
}

int bo_board_create(web_req_t *req)
{
    int64_t bus_id = web_param_id(req, 0), site_id;
    int rc = load_bus(req, bus_id, &site_id);
    return rc ? rc : board_save(req, site_id, bus_id, 0);
}

int bo_board_edit(web_req_t *req)
{
    int64_t site_id, bus_id;
    int rc = load_board(req, web_param_id(req, 0), &site_id, &bus_id);
    return rc ? rc : board_form(req, "edit");
}

int bo_board_update(web_req_t *req)
{
    int64_t id = web_param_id(req, 0), site_id, bus_id;
    int rc = load_board(req, id, &site_id, &bus_id);
    return rc ? rc : board_save(req, site_id, bus_id, id);
}

/* ---------- wiring a bank ---------- */

int bo_bank_locks(web_req_t *req, int64_t bank_id, int64_t site_id)
{
    render_t *r = page_r(req);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT l.cell_id, u.id, u.name, b.address, l.channel, l.has_sensor, b.id FROM cell_locks l"
        " JOIN cells c ON c.id = l.cell_id JOIN boards b ON b.id = l.board_id JOIN board_buses u ON u.id = b.bus_id"
        " WHERE c.bank_id = ? ORDER BY c.number", "i", bank_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const cols[] = { "cell_id", "bus_id", "bus", "address", "channel", "sensor", "board_id", NULL };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 1; cols[c]; c++) render_set(r, db_cell(res, i, c), "Locks.%s.%s", db_cell(res, i, 0), cols[c]);
    render_set_int(r, res->nrows, "Wiring.wired");
    /* The form starts from the present wiring: the first cell's lock. */
    if (res->nrows && !hdf_get_value(render_hdf(r), "Wire.board", NULL)) {
        render_set(r, db_cell(res, 0, 6), "Wire.board");
        render_set(r, db_cell(res, 0, 4), "Wire.first_channel");
        render_set(r, db_cell(res, 0, 5), "Wire.has_sensor");
    }
    if (!auth_role_can(staff_user(req)->role, "boards.manage")) return 0;
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT b.id, u.name, b.address, b.channels, (SELECT COUNT(*) FROM cell_locks l WHERE l.board_id = b.id)"
        " FROM boards b JOIN board_buses u ON u.id = b.bus_id WHERE u.site_id = ? ORDER BY u.name, b.address",
        "i", site_id);
    if (rc) return page_db_fail(req, rc);
    static const char *const bcols[] = { "id", "bus", "address", "channels", "wired", NULL };
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; bcols[c]; c++) render_set(r, db_cell(res, i, c), "Wiring.boards.%d.%s", i, bcols[c]);
    return 0;
}

int bo_bank_wire(web_req_t *req)
{
    int64_t bank_id = web_param_id(req, 0);
    int64_t site_id = bank_id > 0 ? inv_site_of_bank(page_db(req), req->arena, bank_id) : 0;
    if (!site_id || staff_check_site(req, site_id)) return web_fail(req, 404, "not_found", NULL);
    int unwire = !strcmp(web_form_trimmed(req, "action"), "unwire");
    int64_t board_id = unwire ? 0 : web_id(web_form_trimmed(req, "board"));
    int first = bo_form_int(req, "first_channel", -1), sensor = form_flag(req, "has_sensor");
    inv_error_t err = { 0 };
    int rc = DB_ERR;
    if (!unwire && !board_id) err = (inv_error_t){ "board", "bad_board" };
    else {
        audit_actor_t who = staff_actor(req);
        rc = boards_wire_bank(page_db(req), &who, bank_id, board_id, unwire ? 0 : first, sensor, &err);
    }
    if (rc == DB_OK)
        return after_change(req, arena_printf(req->arena, "/admin/banks/%lld?done=%s", (long long)bank_id,
                                              unwire ? "unwired" : "wired"));
    if (rc == DB_ERR_FK) return web_fail(req, 404, "not_found", NULL);
    if (!err.code) return page_db_fail(req, rc);
    render_t *r = page_r(req);
    render_set(r, web_form_trimmed(req, "board"), "Wire.board");
    render_set(r, web_form_trimmed(req, "first_channel"), "Wire.first_channel");
    render_set_int(r, sensor, "Wire.has_sensor");
    bo_form_error(req, &err);
    return bo_bank_page(req, bank_id);
}
