/* Customer and staff notices: a message of a kind (due_soon, overdue,
 * suspended, receipt, ...) rendered from templates/notify/ in the
 * customer's language and put in the outbox (lib/outbox) on each channel
 * the customer wants, in the caller's transaction.  Non-essential kinds
 * are skipped for a customer who opted out; overdue, suspended and
 * resumed are essential (the last one ends what the first two began: a
 * customer told that visits are refused must hear when they are not).
 *
 * Kinds and the values (vars) their templates use.  An amount comes
 * either formatted ("amount" = "12.50 EUR") or as a name ending in _minor,
 * minor units of the customer's site's currency, which the templates get
 * as Notice.<name without _minor> formatted for people (the magnitude)
 * with Notice.<name>_sign = positive, negative or zero.  Other values go
 * in as given (dates as YYYY-MM-DD).
 *   due_soon   amount, date (the period's first day: the day it is due), period_end, contract_id
 *   overdue    amount, since (the oldest unpaid charge's date)
 *   suspended  amount, since
 *   resumed    -
 *   receipt    amount, method (cash, card, bank_transfer), document, balance_minor
 *   parked     (staff) count (contracts held at the site), date
 *   generic    subject, text (the scheduler's reminders)
 * Every template also sees Customer.name, Site.name and Site.currency,
 * and the language's sentences (templates/lang/<code>/notify.hdf) with
 * the values filled in as Text.*. */
#ifndef SR_NOTICE_H
#define SR_NOTICE_H
#include <stdint.h>
#include "db.h"
#include "config.h"

typedef struct notice notice_t;

/* Loads the notice templates and every language's strings once
 * (Paths.Templates, Lang.Available, Lang.Default) and the operator's
 * channels from the config: Notify.Staff.Slack and Notify.Staff.Teams
 * name a webhook of Notify.Slack.<name> / Notify.Teams.<name> (absent or
 * empty: no staff alerts on that channel). */
notice_t *notice_new(const config_t *cfg, char *err, size_t errlen);
void      notice_free(notice_t *n);

typedef struct notice_var { const char *name, *value; } notice_var_t;

/* Renders notice `kind` for the customer with the values in vars (set
 * under Notice.<name> for the templates, next to the customer's name and
 * the site's) and puts one message per wanted channel, keyed
 * "<key>:<channel>" so a repeated event puts nothing new.  Returns the
 * number of messages put (0 when the customer wants none), or a
 * db_status. */
int notice_customer(notice_t *n, db_t *db, int64_t customer_id, const char *kind, const char *key,
                    const notice_var_t *vars, int nvars);

/* The same for the operator's channels of a site (Slack, Teams; see
 * Notify.* in the config): alerts such as parked contracts. */
int notice_staff(notice_t *n, db_t *db, int64_t site_id, const char *kind, const char *key,
                 const notice_var_t *vars, int nvars);

/* ---------- the pure parts, for the tests and for previews ---------- */

/* 1 for the kinds an opted-out customer still gets. */
int notice_essential(const char *kind);

#define NOTICE_SMS   1u
#define NOTICE_EMAIL 2u
/* The channels a customer gets a notice on, from their preferences and
 * the addresses they gave: a channel needs its address (a phone for SMS,
 * an e-mail address for e-mail).  Nothing non-essential for an opted-out
 * customer.  An essential notice for a customer whose wanted channels
 * have no address goes on every channel that has one: they must hear it. */
unsigned notice_channels(int essential, int want_sms, int want_email, int optout, const char *phone,
                         const char *email);

typedef struct notice_text {
    const char *subject;     /* one line */
    const char *text;        /* plain text, not HTML-escaped: SMS, chat, the e-mail's text part */
    const char *html;        /* the e-mail's HTML part (every value escaped); NULL on other channels */
} notice_text_t;

/* Renders kind in language lang (the default language when n has not
 * loaded it) for channel (sms, email, slack, teams).  The texts stay
 * valid until the next call on n.  0, or -1 for an unknown kind or
 * channel or a template that failed (logged). */
int notice_render(notice_t *n, const char *kind, const char *lang, const char *channel, const char *customer_name,
                  const char *site_name, const char *currency, const notice_var_t *vars, int nvars,
                  notice_text_t *out);

#endif
