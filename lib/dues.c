/* Due tracking.  A customer's stage follows from two facts: the balance
 * of their account and the dates of the charges it still contains.
 * Payments cover the oldest charges first, so walking the debits from the
 * newest back until they add up to the balance finds the oldest charge not
 * yet paid; its age against the site's overdue and suspend days gives the
 * stage.  Only changes are written (customer_dues, contracts, events,
 * audit, a notice), so refreshing twice changes nothing. */
#include "dues.h"
#include "rentperiod.h"
#include "money.h"
#include "sitetime.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TX_ATTEMPTS 5

enum stage { STAGE_NONE, STAGE_OVERDUE, STAGE_SUSPENDED };
static const char *const stage_names[] = { "none", "overdue", "suspended" };

typedef struct policy {
    int64_t site_id;
    int overdue_days, suspend_days;
    char currency[4];
} policy_t;

struct refresh_ctx {
    notice_t *notices;
    const audit_actor_t *who;
    int64_t customer;
    const char *today_s;
    int64_t today;
    const policy_t *p;
    dues_changes_t *ch;
};

/* The oldest charge the balance still contains, first in first out.
 * Reversed debits and reversals are left out together, as they cancel in
 * the balance.  *oldest = -1 when the balance owes nothing. */
static int oldest_unpaid(db_t *db, arena_t *a, int64_t account, int64_t balance, int64_t *oldest)
{
    *oldest = -1;
    if (balance <= 0) return DB_OK;
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT DATE_FORMAT(j.value_date, '%Y-%m-%d'), e.amount FROM ledger_entries e"
        " JOIN ledger_journals j ON j.id = e.journal_id"
        " WHERE e.account_id = ? AND e.amount > 0 AND j.kind <> 'reversal'"
        " AND NOT EXISTS (SELECT 1 FROM ledger_journals v WHERE v.reverses_id = j.id)"
        " ORDER BY j.value_date DESC, j.id DESC", "i", account);
    if (rc) return rc;
    int64_t covered = 0;
    for (int i = 0; i < r->nrows; i++) {
        if (rp_parse(db_cell(r, i, 0), oldest) != 0) return DB_ERR;
        covered += db_cell_int(r, i, 1);
        if (covered >= balance) break;
    }
    return DB_OK;
}

/* Suspends the customer's active contracts of the site for arrears, or
 * resumes the ones arrears suspended; a clerk's suspension is left alone. */
static int move_contracts(db_t *db, arena_t *a, const struct refresh_ctx *x, int suspend, const char *oldest_s)
{
    db_res_t *r;
    int rc = db_query(db, a, &r,
        suspend ? "SELECT id FROM contracts WHERE customer_id = ? AND site_id = ? AND state = 'active' FOR UPDATE"
                : "SELECT id FROM contracts WHERE customer_id = ? AND site_id = ? AND state = 'suspended'"
                  " AND arrears_suspended = 1 FOR UPDATE",
        "ii", x->customer, x->p->site_id);
    if (rc) return rc;
    for (int i = 0; i < r->nrows; i++) {
        int64_t id = db_cell_int(r, i, 0);
        const char *why = arena_printf(a, "Arrears: rent unpaid since %s", oldest_s);
        long n = suspend
            ? db_exec(db, "UPDATE contracts SET state = 'suspended', state_reason = ?, arrears_suspended = 1,"
                          " updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "si", why, id)
            : db_exec(db, "UPDATE contracts SET state = 'active', state_reason = '', arrears_suspended = 0,"
                          " updated_at = UTC_TIMESTAMP(6) WHERE id = ?", "i", id);
        if (n >= 0)
            n = db_exec(db, "INSERT INTO contract_events (contract_id, actor_name, event, from_state, to_state, detail)"
                            " VALUES (?, ?, ?, ?, ?, ?)", "isssss", id, x->who && x->who->name ? x->who->name : "",
                        suspend ? "suspended" : "resumed", suspend ? "active" : "suspended",
                        suspend ? "suspended" : "active", suspend ? why : "Arrears paid");
        if (n < 0) return (int)n;
        rc = audit_write(db, x->who, suspend ? "contract.arrears_suspend" : "contract.arrears_resume", "contract", id,
                         x->p->site_id, arena_printf(a, "{\"oldest_unpaid\":\"%s\"}", oldest_s));
        if (rc) return rc;
        if (suspend) x->ch->suspended++;
        else x->ch->resumed++;
    }
    return DB_OK;
}

static int notify(const struct refresh_ctx *x, arena_t *a, db_t *db, const char *kind, const char *oldest_s,
                  int64_t amount)
{
    if (!x->notices) return DB_OK;
    char money[48];
    money_display(amount, x->p->currency, money, sizeof money);
    notice_var_t vars[] = { { "amount", money }, { "currency", x->p->currency }, { "since", oldest_s } };
    int put = notice_customer(x->notices, db, x->customer, kind,
                              arena_printf(a, "%s:%lld:%s", kind, (long long)x->customer, oldest_s), vars, 3);
    return put < 0 ? put : DB_OK;
}

static int refresh_body(db_t *db, arena_t *a, struct refresh_ctx *x)
{
    db_res_t *r;
    /* The account first and locked: a payment posting now waits, so the
     * stage written here is the stage of the balance it saw. */
    int rc = db_query(db, a, &r, "SELECT id, balance FROM ledger_accounts WHERE customer_id = ? FOR UPDATE", "i",
                      x->customer);
    if (rc) return rc;
    int64_t account = r->nrows ? db_cell_int(r, 0, 0) : 0, balance = r->nrows ? db_cell_int(r, 0, 1) : 0;
    int64_t oldest = -1;
    if (account && (rc = oldest_unpaid(db, a, account, balance, &oldest))) return rc;
    int64_t age = oldest < 0 ? -1 : x->today - oldest;
    enum stage now = age < 0 || age < x->p->overdue_days ? STAGE_NONE
                   : age >= x->p->suspend_days ? STAGE_SUSPENDED : STAGE_OVERDUE;

    if ((rc = db_query(db, a, &r, "SELECT stage, DATE_FORMAT(oldest_unpaid, '%Y-%m-%d') FROM customer_dues"
                                  " WHERE customer_id = ? FOR UPDATE", "i", x->customer)))
        return rc;
    enum stage was = !r->nrows ? STAGE_NONE : !strcmp(db_cell(r, 0, 0), "suspended") ? STAGE_SUSPENDED : STAGE_OVERDUE;
    const char *was_oldest = r->nrows ? arena_strdup(a, db_cell(r, 0, 1)) : "";
    char oldest_s[11] = "";
    if (oldest >= 0) rp_format(oldest, oldest_s);

    long n = 0;
    if (now == STAGE_NONE && was != STAGE_NONE)
        n = db_exec(db, "DELETE FROM customer_dues WHERE customer_id = ?", "i", x->customer);
    else if (now != STAGE_NONE)
        n = db_exec(db, "INSERT INTO customer_dues (customer_id, site_id, stage, oldest_unpaid, amount)"
                        " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        " since = IF(stage = VALUES(stage), since, UTC_TIMESTAMP(6)), stage = VALUES(stage),"
                        " oldest_unpaid = VALUES(oldest_unpaid), amount = VALUES(amount)",
                    "iissi", x->customer, x->p->site_id, stage_names[now], oldest_s, balance);
    if (n < 0) return (int)n;
    if (now == was) return DB_OK;

    rc = audit_write(db, x->who, "dues.stage", "customer", x->customer, x->p->site_id,
                     arena_printf(a, "{\"from\":\"%s\",\"to\":\"%s\",\"oldest_unpaid\":\"%s\",\"balance\":%lld}",
                                  stage_names[was], stage_names[now], oldest_s, (long long)balance));
    if (rc) return rc;
    if (now == STAGE_SUSPENDED) {
        if ((rc = move_contracts(db, a, x, 1, oldest_s))) return rc;
        return notify(x, a, db, "suspended", oldest_s, balance);
    }
    if (was == STAGE_SUSPENDED) {
        if ((rc = move_contracts(db, a, x, 0, was_oldest))) return rc;
        if ((rc = notify(x, a, db, "resumed", was_oldest, balance > 0 ? balance : 0))) return rc;
    }
    if (now == STAGE_OVERDUE && was == STAGE_NONE) {
        x->ch->overdue++;
        return notify(x, a, db, "overdue", oldest_s, balance);
    }
    if (now == STAGE_NONE) x->ch->cleared++;
    return DB_OK;
}

static int refresh_tx(db_t *db, void *p)
{
    arena_t *a = arena_new(8192);
    if (!a) return DB_ERR;
    int rc = refresh_body(db, a, p);
    arena_free(a);
    return rc;
}

static int load_policy(db_t *db, arena_t *a, int64_t site_id, policy_t *p)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT bill_overdue_days, bill_suspend_days, currency FROM sites WHERE id = ?", "i",
                      site_id);
    if (rc) return rc;
    if (r->nrows != 1) return DB_ERR_FK;
    *p = (policy_t){ .site_id = site_id, .overdue_days = (int)db_cell_int(r, 0, 0),
                     .suspend_days = (int)db_cell_int(r, 0, 1) };
    snprintf(p->currency, sizeof p->currency, "%s", db_cell(r, 0, 2));
    if (p->overdue_days < 1) p->overdue_days = 1;
    if (p->suspend_days < p->overdue_days) p->suspend_days = p->overdue_days;
    return DB_OK;
}

static int refresh_one(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t customer, const char *today_s,
                       const policy_t *p, dues_changes_t *ch)
{
    struct refresh_ctx x = { .notices = notices, .who = who, .customer = customer, .today_s = today_s, .p = p,
                             .ch = ch };
    if (rp_parse(today_s, &x.today) != 0) return DB_ERR;
    return db_run_tx(db, TX_ATTEMPTS, refresh_tx, &x);
}

int dues_refresh_customer(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t customer_id,
                          const char *today, dues_changes_t *ch)
{
    dues_changes_t spare = { 0 };
    if (!ch) ch = &spare;
    arena_t *a = arena_new(4096);
    if (!a) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT site_id FROM customers WHERE id = ?", "i", customer_id);
    if (rc == DB_OK && r->nrows != 1) rc = DB_ERR_FK;
    policy_t p;
    int64_t site = rc == DB_OK ? db_cell_int(r, 0, 0) : 0;
    if (rc == DB_OK) rc = load_policy(db, a, site, &p);
    char local[11];
    if (rc == DB_OK && !today) rc = sitetime_today(db, a, site, local);
    if (rc == DB_OK) rc = refresh_one(db, notices, who, customer_id, today ? today : local, &p, ch);
    arena_free(a);
    return rc;
}

int dues_refresh_site(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t site_id, const char *today,
                      dues_changes_t *ch)
{
    arena_t *a = arena_new(1 << 14);
    if (!a) return DB_ERR;
    policy_t p;
    int64_t day;
    int rc = rp_parse(today, &day) == 0 ? load_policy(db, a, site_id, &p) : DB_ERR;
    db_res_t *r = NULL;
    /* The customers whose stage may move today: those with a stage, and
     * the debtors with a charge that came of overdue age since the last
     * pass (every debtor's on the first). */
    char upto[11];
    if (rc == DB_OK) {
        rp_format(day - p.overdue_days, upto);
        rc = db_query(db, a, &r,
            "SELECT customer_id FROM customer_dues WHERE site_id = ?"
            " UNION SELECT j.customer_id FROM ledger_journals j"
            "  JOIN ledger_accounts c ON c.customer_id = j.customer_id AND c.balance > 0"
            "  JOIN sites s ON s.id = j.site_id"
            " WHERE j.site_id = ? AND j.customer_id IS NOT NULL AND j.value_date <= ?"
            "  AND j.value_date > COALESCE(s.dues_checked_on - INTERVAL s.bill_overdue_days DAY, '1000-01-01')",
            "iis", site_id, site_id, upto);
    }
    for (int i = 0; rc == DB_OK && i < r->nrows; i++)
        rc = refresh_one(db, notices, who, db_cell_int(r, i, 0), today, &p, ch);
    if (rc == DB_OK &&
        db_exec(db, "UPDATE sites SET dues_checked_on = GREATEST(COALESCE(dues_checked_on, ?), ?) WHERE id = ?", "ssi",
                today, today, site_id) < 0)
        rc = DB_ERR;
    arena_free(a);
    return rc;
}
