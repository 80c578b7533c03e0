/* Back office: the audit log viewer and its CSV export. */
#include "backoffice.h"
#include "validate.h"
#include "csv.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUDIT_PAGE_SIZE 50
#define AUDIT_MAX_PAGE 100000
#define AUDIT_CSV_MAX 100000      /* rows in one export */
#define AUDIT_CSV_BATCH 2000      /* rows fetched at a time, so memory stays flat */

/* What the viewer asked for.  NULL or 0 = not filtered on. */
typedef struct audit_filter {
    const char *actor, *action, *object_type, *from, *to;
    const char *action_like;      /* action as a LIKE pattern */
    int64_t object_id, site_id;
    int page;
} audit_filter_t;

/* ---------- filters ---------- */

static int read_filter(web_req_t *req, audit_filter_t *f, inv_error_t *err)
{
    memset(f, 0, sizeof *f);
    f->actor = web_query_given(req, "actor");
    f->action = web_query_given(req, "action");
    f->object_type = web_query_given(req, "object_type");
    f->from = web_query_given(req, "from");
    f->to = web_query_given(req, "to");
    if (f->action) f->action_like = db_like_pattern(req->arena, f->action, 0);
    const char *oid = web_query_given(req, "object_id"), *site = web_query_given(req, "site");
    const char *page = web_query_given(req, "page");
    int64_t p = web_id(page);
    f->page = p > 0 && p <= AUDIT_MAX_PAGE ? (int)p : 1;

    if (oid && !(f->object_id = web_id(oid))) { err->field = "object_id"; err->code = "invalid"; return -1; }
    if (site) {
        f->site_id = web_id(site);
        /* Another site's id reads as unknown, as everywhere else. */
        if (!auth_can_see_site(staff_user(req), f->site_id)) { err->field = "site_id"; err->code = "not_found"; return -1; }
    }
    if (f->from && !validate_date(f->from)) { err->field = "from"; err->code = "bad_date"; return -1; }
    if (f->to && !validate_date(f->to)) { err->field = "to"; err->code = "bad_date"; return -1; }
    return 0;
}

static void filter_to_form(render_t *r, web_req_t *req)
{
    static const char *const names[] = { "actor", "action", "object_type", "object_id", "site", "from", "to", NULL };
    /* Every key is set, empty when absent: url_escape in the template
     * must never be handed a missing value. */
    for (int i = 0; names[i]; i++) render_set(r, web_query_given(req, names[i]), "Filter.%s", names[i]);
}

/* ---------- the query ---------- */

/* Rows matching f, newest first, with id below `before`.  Only the fixed
 * fragments below ever go into the SQL text; every value travels as a
 * parameter.  A filter not in use still binds its parameter, to a
 * fragment that holds for every row, so one call fits every combination
 * and the optimiser sees only the conditions that matter. */
static int audit_query(web_req_t *req, arena_t *a, const audit_filter_t *f, int64_t before,
                       int limit, int offset, db_res_t **res)
{
    const auth_user_t *u = staff_user(req);
    const char *sql = arena_printf(a,
        "SELECT a.id, a.at, a.actor_type, a.actor_name, a.ip, a.action, a.object_type, a.object_id,"
        " a.site_id, s.name, a.detail"
        " FROM audit_log a LEFT JOIN sites s ON s.id = a.site_id"
        /* Site-scoped staff see their sites' rows and the rows of no site. */
        " WHERE (? = 1 OR a.site_id IS NULL OR a.site_id IN (SELECT site_id FROM staff_user_sites WHERE user_id = ?))"
        "%s%s%s%s%s%s%s"
        " AND a.id < ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
        f->actor ? " AND a.actor_name = ?" : " AND ? IS NULL",
        f->action_like ? " AND a.action LIKE ?" DB_LIKE_ESCAPE : " AND ? IS NULL",
        f->object_type ? " AND a.object_type = ?" : " AND ? IS NULL",
        f->object_id ? " AND a.object_id = ?" : " AND ? = 0",
        f->site_id ? " AND a.site_id = ?" : " AND ? = 0",
        f->from ? " AND a.at >= ?" : " AND ? IS NULL",
        f->to ? " AND a.at < DATE_ADD(?, INTERVAL 1 DAY)" : " AND ? IS NULL");
    if (!sql) return DB_ERR;
    return db_query(page_db(req), a, res, sql, "IisssiissiII", u->all_sites, u->id, f->actor, f->action_like,
                    f->object_type, f->object_id, f->site_id, f->from, f->to, before, limit, offset);
}

enum { C_ID, C_AT, C_ACTOR_TYPE, C_ACTOR, C_IP, C_ACTION, C_OBJECT_TYPE, C_OBJECT_ID, C_SITE_ID, C_SITE, C_DETAIL, C_N };
static const char *const columns[C_N] = { "id", "at", "actor_type", "actor", "ip", "action", "object_type",
                                          "object_id", "site_id", "site", "detail" };

/* ---------- the page ---------- */

/* The viewer with whatever is already in the dataset (rows or an error). */
static int audit_page(web_req_t *req)
{
    filter_to_form(page_r(req), req);
    int rc = bo_load_site_choices(req);
    if (rc) return page_db_fail(req, rc);
    return page_render(req, "backoffice/audit.cs") ? 500 : 0;
}

static int filter_failed(web_req_t *req, const inv_error_t *err)
{
    bo_form_error(req, err);
    return audit_page(req);
}

int bo_audit(web_req_t *req)
{
    audit_filter_t f;
    inv_error_t err = { 0 };
    if (read_filter(req, &f, &err) != 0) return filter_failed(req, &err);
    db_res_t *res;
    /* One row more than a page tells whether there is a next page. */
    int rc = audit_query(req, req->arena, &f, INT64_MAX, AUDIT_PAGE_SIZE + 1, (f.page - 1) * AUDIT_PAGE_SIZE, &res);
    if (rc) return page_db_fail(req, rc);
    render_t *r = page_r(req);
    int shown = res->nrows > AUDIT_PAGE_SIZE ? AUDIT_PAGE_SIZE : res->nrows;
    for (int i = 0; i < shown; i++)
        for (int c = 0; c < C_N; c++) render_set(r, db_cell(res, i, c), "Rows.%d.%s", i, columns[c]);
    render_set_int(r, f.page, "Pager.page");
    if (f.page > 1) render_set_int(r, f.page - 1, "Pager.prev");
    if (res->nrows > AUDIT_PAGE_SIZE) render_set_int(r, f.page + 1, "Pager.next");
    return audit_page(req);
}

/* ---------- CSV ---------- */

/* Who exported what is itself worth knowing. */
static void audit_export(web_req_t *req, const audit_filter_t *f, int rows, int truncated)
{
    json_t *j = json_pack("{s:s?, s:s?, s:s?, s:I, s:I, s:s?, s:s?, s:i, s:b}",
                          "actor", f->actor, "action", f->action, "object_type", f->object_type,
                          "object_id", (json_int_t)f->object_id, "site_id", (json_int_t)f->site_id,
                          "from", f->from, "to", f->to, "rows", rows, "truncated", truncated);
    char *detail = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    audit_actor_t who = staff_actor(req);
    audit_write(page_db(req), &who, "audit.export", "", 0, f->site_id, detail);
    free(detail);
}

int bo_audit_csv(web_req_t *req)
{
    audit_filter_t f;
    inv_error_t err = { 0 };
    if (read_filter(req, &f, &err) != 0) return filter_failed(req, &err);

    csv_row(web_sink, req, columns, C_N);
    /* Keyset batches in a scratch arena: an export of the whole cap costs
     * the memory of one batch, plus the response itself. */
    arena_t *a = arena_new(256 * 1024);
    if (!a) return web_fail(req, 500, "internal", NULL);
    int64_t before = INT64_MAX;
    int written = 0, truncated = 0, rc = DB_OK;
    for (;;) {
        arena_reset(a);
        int want = AUDIT_CSV_MAX - written + 1;   /* one past the cap shows there is more */
        if (want > AUDIT_CSV_BATCH) want = AUDIT_CSV_BATCH;
        db_res_t *res;
        if ((rc = audit_query(req, a, &f, before, want, 0, &res)) != DB_OK) break;
        for (int i = 0; i < res->nrows; i++) {
            if (written == AUDIT_CSV_MAX) { truncated = 1; break; }
            csv_row(web_sink, req, (const char *const *)&res->cells[i * res->ncols], C_N);
            written++;
        }
        if (truncated || res->nrows < want) break;
        before = db_cell_int(res, res->nrows - 1, C_ID);
    }
    arena_free(a);
    if (rc != DB_OK) { web_reset_body(req); return page_db_fail(req, rc); }
    if (req->out_failed) { web_reset_body(req); return web_fail(req, 500, "internal", NULL); }

    audit_export(req, &f, written, truncated);
    bo_csv_headers(req, "audit");
    if (truncated) web_add_header(req, "X-Export-Truncated", arena_printf(req->arena, "%d", AUDIT_CSV_MAX));
    return 0;
}
