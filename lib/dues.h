/* Due tracking (sql/migrations/0008): a customer whose unpaid rent is
 * bill_overdue_days old is overdue; at bill_suspend_days their active
 * contracts are suspended (visits refused) and marked arrears_suspended;
 * a payment that covers the old rent brings them back.  "Old" is first in,
 * first out: payments cover the oldest charges first, so the age is that
 * of the oldest charge the balance still contains. */
#ifndef SR_DUES_H
#define SR_DUES_H
#include <stdint.h>
#include "db.h"
#include "audit.h"
#include "notice.h"

typedef struct dues_changes { int64_t overdue, suspended, resumed, cleared; } dues_changes_t;

/* Brings one customer's stage up to date for the site's local date today
 * (NULL = now), in the caller's transaction or its own: after a payment,
 * a reversal, an adjustment.  notices may be NULL. */
int dues_refresh_customer(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t customer_id,
                          const char *today, dues_changes_t *ch);

/* Every customer of a site with money owed or a stage recorded. */
int dues_refresh_site(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t site_id, const char *today,
                      dues_changes_t *ch);

#endif
