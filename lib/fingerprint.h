/* The fingerprint templates of vault customers as the back office keeps
 * them (docs/fingerd.md §2): what an enrollment handed back, listed,
 * deleted one by one or all at once, each change in one transaction with
 * its audit row.  A template is the box fingerd sealed under the site key;
 * nothing here opens it, no image ever comes here, and audit rows name
 * fingers, never template bytes.
 *
 * Biometric data is kept only while it is needed: without a biometric
 * consent nothing is stored, and withdrawing the consent or closing the
 * customer's last contract deletes every print (lib/customer, lib/contract
 * call fingerprint_delete_all inside their own transactions). */
#ifndef SR_FINGERPRINT_H
#define SR_FINGERPRINT_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "audit.h"
#include "db.h"
#include "inventory.h"     /* inv_error_t */

/* The longest sealed template taken (fingerd's final line is at most 1 MB
 * of base64). */
#define FINGERPRINT_TEMPLATE_MAX (1u << 20)
#define FINGERPRINT_REASON_MAX 500       /* characters of a deletion's reason */

typedef struct fingerprint_new {
    int64_t site_id;                 /* the site whose reader enrolled it: the customer's */
    int64_t customer_id;
    const char *finger;              /* docs/fingerd.md §3 name */
    const char *driver, *device_id;  /* libfprint's, as fingerd reported them */
    const void *box;                 /* the sealed template */
    size_t box_len;
    int64_t enrolled_by;             /* staff user, 0 none */
} fingerprint_new_t;

typedef struct fingerprint_row {
    int64_t id;
    const char *finger, *driver, *device_id;
    const char *enrolled_at;         /* "YYYY-MM-DD HH:MM" in the site's zone */
    const char *enrolled_by;         /* the staff member's name, "" when unknown */
} fingerprint_row_t;

/* 1 when the customer has a biometric consent in force, 0 when not, or a
 * db_status. */
int fingerprint_consent_given(db_t *db, arena_t *a, int64_t customer_id);

/* Stores a template, replacing the finger's earlier one (a new row, a new
 * id: a match fingerd made against the old print names the old id).
 * Refusals fill err and return DB_ERR: finger (finger_invalid), template
 * (template_invalid), customer (not_found: absent or of another site,
 * no_consent).  *id (may be NULL) receives the new row's id. */
int fingerprint_store(db_t *db, const audit_actor_t *who, const fingerprint_new_t *f, int64_t *id,
                      inv_error_t *err);

/* Deletes one template of the customer; reason may be empty.  DB_ERR_FK
 * with err template_id/not_found when the customer has no such template,
 * DB_ERR with err reason/too_long or invalid. */
int fingerprint_delete(db_t *db, const audit_actor_t *who, int64_t customer_id, int64_t template_id,
                       const char *reason, inv_error_t *err);

/* Deletes every template of the customer, with one audit row naming the
 * fingers and the reason (consent_withdrawn, contract_closed, ...);
 * nothing at all when there are none.  Runs in the caller's transaction
 * when one is open.  DB_OK or a db_status. */
int fingerprint_delete_all(db_t *db, const audit_actor_t *who, int64_t customer_id, const char *reason);

/* The customer's templates in finger order (§3), without the boxes. */
int fingerprint_list(db_t *db, arena_t *a, int64_t customer_id, fingerprint_row_t **rows, int *n);

#endif
