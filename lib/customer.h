/* Vault customers: validation and every change, each in one transaction
 * with its audit row.  Used by the back office, the tablet approval and
 * the API; nothing here knows about HTTP or HTML. */
#ifndef SR_CUSTOMER_H
#define SR_CUSTOMER_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "inventory.h"     /* inv_error_t: field + stable message code */

typedef struct customer {
    int64_t site_id;
    const char *full_name, *date_of_birth, *doc_type, *doc_number, *doc_expiry;
    const char *address, *phone, *email;
    const char *nominee_name, *nominee_relation, *nominee_phone, *co_holder_name;
    const char *language, *payment_preference, *notes;
    /* What the customer wants to hear (lib/notice): SMS, e-mail, and an
     * opt-out of all but essential messages, each 0 or 1.  notify_given =
     * 0 leaves the defaults on create (SMS and e-mail on, not opted out)
     * and the stored choices on update. */
    int notify_given, notify_sms, notify_email, notify_optout;
} customer_t;

/* Consent kinds and the text version in force (shown and stored). */
extern const char *const customer_consent_kinds[];   /* terms, privacy, biometric, marketing, NULL */
#define CUSTOMER_CONSENT_VERSION "2026-01"

/* Pure checks (today is the site's local date YYYY-MM-DD): required
 * fields, formats (lib/validate), age >= 18, document not expired. */
int customer_validate(const customer_t *c, const char *today, inv_error_t *err);

/* source: staff, tablet or api. */
int customer_create(db_t *db, const audit_actor_t *who, const customer_t *c, const char *source,
                    int64_t *id, inv_error_t *err);
int customer_update(db_t *db, const audit_actor_t *who, int64_t id, const customer_t *c, inv_error_t *err);
/* Records (granted=1) or withdraws (granted=0) a consent of a kind. */
int customer_consent(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *kind,
                     int granted, const char *source);

/* Photo: the bytes are checked by their magic numbers (JPEG, PNG, WebP),
 * at most max_bytes, written under uploads_dir/photos with a random name
 * (never under the web root), and the old one replaced. */
int customer_set_photo(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *uploads_dir,
                       const void *bytes, size_t len, size_t max_bytes, inv_error_t *err);

int64_t customer_site(db_t *db, arena_t *a, int64_t customer_id);   /* 0 when absent */

#endif
