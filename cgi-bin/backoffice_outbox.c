/* Back office: the notification outbox (lib/outbox) as operators see it.
 * The list and one message, the counter of messages waiting for a person
 * (failed, or unknown: notifyd died while sending), and the two decisions
 * only a person makes: send a failed or unknown message again, or cancel
 * one not sent.  Both go through lib/outbox, which audits them.
 *
 * Scope (lib/outboxview): the messages of the sites the user may see; the
 * operator's alerts (no site) for administrators only.  A message out of
 * scope answers 404 like a missing one. */
#include "backoffice.h"
#include "outbox.h"
#include "outboxview.h"
#include "utf8.h"
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOX_PAGE_SIZE 50
#define OUTBOX_MAX_PAGE 100000
#define RECENT_MESSAGES 10
#define REASON_MAX 255

static const char *const states[] = { "attention", "pending", "sending", "sent", "failed", "unknown", "cancelled",
                                      NULL };
static const char *const channels[] = { "sms", "email", "slack", "teams", NULL };

/* A kind as a filter: what lib/notice and the daemons write ([a-z_], <= 40). */
static int kind_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n < 1 || n > 40) return 0;
    for (; *k; k++) if (!((*k >= 'a' && *k <= 'z') || *k == '_')) return 0;
    return 1;
}

/* Times in the site's zone; the operator's alerts have none (UTC). */
#define OUTBOX_COLS \
    "SELECT o.id, o.site_id, s.name, o.customer_id, c.full_name, o.kind, o.channel, o.recipient, o.state," \
    " o.essential, o.attempts, o.max_attempts, " BO_SITE_LOCAL("o.next_attempt_at") ", o.last_error," \
    " " BO_SITE_LOCAL("o.created_at") ", " BO_SITE_LOCAL("o.sent_at") \
    " FROM outbox o LEFT JOIN sites s ON s.id = o.site_id LEFT JOIN customers c ON c.id = o.customer_id"
static const char *const outbox_cols[] = { "id", "site_id", "site", "customer_id", "customer", "kind", "channel",
                                           "recipient", "state", "essential", "attempts", "max_attempts",
                                           "next_attempt_at", "last_error", "created_at", "sent_at", NULL };

int bo_outbox_count(web_req_t *req)
{
    int64_t n = 0;
    int rc = outboxview_attention(page_db(req), req->arena, staff_user(req), &n);
    if (rc) return page_db_fail(req, rc);
    return json_send(req, 200, json_pack("{s:I}", "pending", (json_int_t)n));
}

int bo_outbox(web_req_t *req)
{
    const auth_user_t *u = staff_user(req);
    render_t *r = page_r(req);
    const char *state = web_query_given(req, "state"), *channel = web_query_given(req, "channel");
    const char *kind = web_query_given(req, "kind"), *site_s = web_query_given(req, "site");
    if (!bo_in_set(states, state)) state = "";
    if (!bo_in_set(channels, channel)) channel = "";
    if (!kind_ok(kind)) kind = "";
    /* site=alerts: the operator's alerts, which have no site. */
    int alerts = site_s && !strcmp(site_s, "alerts") && outboxview_sees_alerts(u);
    int64_t site = alerts ? 0 : web_id(site_s);
    int rc = site ? staff_check_site(req, site) : 0;
    if (rc) return rc;
    int64_t customer = web_id(web_query_given(req, "customer"));
    int64_t page = web_id(web_query_given(req, "page"));
    if (page < 1 || page > OUTBOX_MAX_PAGE) page = 1;
    db_res_t *res;
    rc = db_query(page_db(req), req->arena, &res,
        OUTBOX_COLS " WHERE " OUTBOXVIEW_VISIBLE("o.site_id")
        " AND (? = '' OR (? = 'attention' AND o.state IN ('failed', 'unknown')) OR o.state = ?)"
        " AND (? = '' OR o.channel = ?) AND (? = '' OR o.kind = ?) AND (? = 0 OR o.site_id = ?)"
        " AND (? = 0 OR o.site_id IS NULL) AND (? = 0 OR o.customer_id = ?)"
        " ORDER BY o.id DESC LIMIT ? OFFSET ?",
        "Iii" "sss" "ss" "ss" "ii" "I" "ii" "II", OUTBOXVIEW_ARGS(u), state, state, state, channel, channel, kind,
        kind, site, site, alerts, customer, customer, OUTBOX_PAGE_SIZE + 1, (int)((page - 1) * OUTBOX_PAGE_SIZE));
    if (rc) return page_db_fail(req, rc);
    int rows = res->nrows > OUTBOX_PAGE_SIZE ? OUTBOX_PAGE_SIZE : res->nrows;
    for (int i = 0; i < rows; i++) bo_set_row(r, res, i, outbox_cols, arena_printf(req->arena, "Messages.%d", i));
    render_set_int(r, page, "Paging.page");
    if (page > 1) render_set_int(r, page - 1, "Paging.prev");
    if (res->nrows > OUTBOX_PAGE_SIZE) render_set_int(r, page + 1, "Paging.next");
    render_set(r, state, "Filter.state");
    render_set(r, channel, "Filter.channel");
    render_set(r, kind, "Filter.kind");
    render_set(r, alerts ? "alerts" : site ? arena_printf(req->arena, "%lld", (long long)site) : "", "Filter.site");
    render_set(r, customer ? arena_printf(req->arena, "%lld", (long long)customer) : "", "Filter.customer");
    for (int i = 0; states[i]; i++) render_set(r, states[i], "Choices.states.%d", i);
    for (int i = 0; channels[i]; i++) render_set(r, channels[i], "Choices.channels.%d", i);
    if (outboxview_sees_alerts(u)) render_set_int(r, 1, "Choices.alerts");
    if ((rc = bo_load_site_choices(req)) != 0) return page_db_fail(req, rc);
    return page_render(req, "backoffice/outbox.cs") ? 500 : 0;
}

int bo_outbox_recent(web_req_t *req, int64_t customer_id)
{
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res, OUTBOX_COLS " WHERE o.customer_id = ? ORDER BY o.id DESC LIMIT ?",
                      "iI", customer_id, RECENT_MESSAGES);
    if (rc) return page_db_fail(req, rc);
    bo_set_rows(page_r(req), res, outbox_cols, "Messages");
    return 0;
}

/* Loads message id into Message.* (404 when absent or out of scope) and
 * what people did to it (its audit rows) into Actions.*. */
static int load_message(web_req_t *req, int64_t id)
{
    if (id <= 0) return web_fail(req, 404, "not_found", NULL);
    db_res_t *res;
    int rc = db_query(page_db(req), req->arena, &res,
        "SELECT o.id, o.site_id, s.name, o.customer_id, c.full_name, o.kind, o.channel, o.recipient, o.state,"
        " o.essential, o.attempts, o.max_attempts, " BO_SITE_LOCAL("o.next_attempt_at") ", o.last_error,"
        " " BO_SITE_LOCAL("o.created_at") ", " BO_SITE_LOCAL("o.sent_at") ", o.dedupe_key, o.language, o.subject,"
        " o.body_text, o.body_html, o.claimed_by, " BO_SITE_LOCAL("o.claimed_at") ", o.provider_ref,"
        " " BO_SITE_LOCAL("o.updated_at") ", s.time_zone"
        " FROM outbox o LEFT JOIN sites s ON s.id = o.site_id LEFT JOIN customers c ON c.id = o.customer_id"
        " WHERE o.id = ?", "i", id);
    if (rc) return page_db_fail(req, rc);
    if (res->nrows != 1 || !outboxview_can_see(staff_user(req), db_cell_int(res, 0, 1)))
        return web_fail(req, 404, "not_found", NULL);
    static const char *const cols[] = { "id", "site_id", "site", "customer_id", "customer", "kind", "channel",
                                        "recipient", "state", "essential", "attempts", "max_attempts",
                                        "next_attempt_at", "last_error", "created_at", "sent_at", "dedupe_key",
                                        "language", "subject", "body_text", "body_html", "claimed_by", "claimed_at",
                                        "provider_ref", "updated_at", "time_zone", NULL };
    render_t *r = page_r(req);
    bo_set_row(r, res, 0, cols, "Message");
    const char *state = db_cell(res, 0, 8);
    const auth_user_t *u = staff_user(req);
    if (auth_role_can(u->role, "outbox.manage")) {
        if (!strcmp(state, "failed") || !strcmp(state, "unknown")) render_set_int(r, 1, "Message.can_resend");
        if (!strcmp(state, "pending") || !strcmp(state, "failed") || !strcmp(state, "unknown"))
            render_set_int(r, 1, "Message.can_cancel");
    }
    rc = db_query(page_db(req), req->arena, &res,
        "SELECT at, actor_name, action, detail FROM audit_log WHERE object_type = 'outbox' AND object_id = ?"
        " ORDER BY id", "i", id);
    if (rc) return page_db_fail(req, rc);
    static const char *const acols[] = { "at", "actor", "action", "detail", NULL };
    bo_set_rows(r, res, acols, "Actions");
    return 0;
}

int bo_outbox_show(web_req_t *req)
{
    int rc = load_message(req, web_param_id(req, 0));
    if (rc) return rc;
    render_set(page_r(req), web_query(req, "done"), "Done");
    return page_render(req, "backoffice/outbox_message.cs") ? 500 : 0;
}

/* Resend or cancel: lib/outbox decides from the row's state, locked, so
 * two operators pressing at once do it once; the other is told. */
static int decide(web_req_t *req, int resend)
{
    int64_t id = web_param_id(req, 0);
    int rc = load_message(req, id);
    if (rc) return rc;
    const char *reason = web_form_trimmed(req, "reason");
    inv_error_t err = { 0 };
    if (utf8_chars(reason) > REASON_MAX) err = (inv_error_t){ "reason", "too_long" };
    if (!err.code) {
        audit_actor_t who = staff_actor(req);
        rc = resend ? outbox_resend(page_db(req), &who, id, *reason ? reason : NULL)
                    : outbox_cancel(page_db(req), &who, id, *reason ? reason : NULL);
        if (rc == DB_OK)
            return web_redirect(req, arena_printf(req->arena, "/admin/outbox/%lld?done=%s", (long long)id,
                                                  resend ? "message_resent" : "message_cancelled"));
        if (rc != 1) return page_db_fail(req, rc);
        /* Sent, cancelled or sent again by someone else meanwhile: show
         * where it stands now. */
        if ((rc = load_message(req, id)) != 0) return rc;
        err = (inv_error_t){ "state", resend ? "not_resendable" : "not_cancellable" };
        bo_form_error(req, &err);
        web_set_status(req, 409);
    } else {
        bo_form_error(req, &err);
    }
    render_set(page_r(req), reason, "Ask.reason");
    render_set(page_r(req), resend ? "resend" : "cancel", "Form.which");
    return page_render(req, "backoffice/outbox_message.cs") ? 500 : 0;
}

int bo_outbox_resend(web_req_t *req) { return decide(req, 1); }
int bo_outbox_cancel(web_req_t *req) { return decide(req, 0); }
