/* Self-enrollment requests: what a customer typed on a paired tablet,
 * written whole at the last step, then edited, approved or rejected by
 * staff.  Approval turns a request into a customer with consents and a
 * contract in one transaction.  Nothing here knows about HTTP or HTML. */
#ifndef SR_ENROLLMENT_H
#define SR_ENROLLMENT_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "customer.h"
#include "inventory.h"
#include "render.h"

enum { ENROLL_STEPS = 4 };

/* The consents a request can carry, in customer_consent_kinds order. */
enum { ENROLL_TERMS, ENROLL_PRIVACY, ENROLL_BIOMETRIC, ENROLL_MARKETING, ENROLL_NCONSENTS };

typedef struct enrollment {
    customer_t c;              /* site_id, the person's details, language, payment_preference (= period) */
    const char *size_class;    /* S M L XL */
    const char *features;      /* comma list of inv_features, may be "" */
    int consents[ENROLL_NCONSENTS];
} enrollment_t;

/* Pure: every problem of one step (1 personal, 2 plan, 3 consents; 4 =
 * all of them), at most max, each with its field and a message code.
 * today is the site's local date (YYYY-MM-DD).  Step 1 ends with
 * customer_validate, the rule every screen shares.  Returns the count. */
int enrollment_check(const enrollment_t *e, int step, const char *today, inv_error_t *errs, int max);

/* Pure: a comma list of features from any number of comma lists, each
 * feature once, in inv_features order; NULL when one is unknown. */
const char *enrollment_features(arena_t *a, const char *const *lists, int n);

enum enrollment_status {
    ENROLL_OK = 0,
    ENROLL_LIMIT = 1,          /* the tablet's hourly limit is reached */
    ENROLL_DECIDED = 2,        /* approved or rejected already */
    ENROLL_INVALID = 3,        /* see err */
};

/* Inserts a pending request from a tablet with its audit row (actor: the
 * device).  Refuses with ENROLL_LIMIT when the tablet has sent
 * max_per_hour requests within the last hour.  Else a db_status. */
/* Sets "<prefix>.<field>" in r for every field of the request, under the
 * names of the tablet's and the review's forms (payment preference as
 * "period"); absent values as "".  Consents are left to the caller: the
 * two forms show them differently. */
void enrollment_render_fields(render_t *r, const enrollment_t *e, const char *prefix);

int enrollment_submit(db_t *db, arena_t *a, const audit_actor_t *device, int64_t tablet_id,
                      const enrollment_t *e, int max_per_hour, int64_t *id);

/* Loads a request into e (strings in a); state receives its state. */
int enrollment_load(db_t *db, arena_t *a, int64_t id, enrollment_t *e, const char **state);
int64_t enrollment_site(db_t *db, arena_t *a, int64_t id);   /* 0 when absent */

/* Staff changes.  Each runs in one transaction with its audit row and
 * returns ENROLL_DECIDED when the request is no longer pending. */
int enrollment_update(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, const enrollment_t *e);
int enrollment_reject(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, const char *reason,
                      inv_error_t *err);
/* Creates the customer (source tablet), records the consents given, the
 * contract for cell_id (0 = the first cell that fits) with the request's
 * size, features and period, and marks the request approved: all or
 * nothing.  A domain refusal (no cell, no plan, duplicate document)
 * returns ENROLL_INVALID with err set and writes nothing. */
int enrollment_approve(db_t *db, arena_t *a, const audit_actor_t *who, int64_t id, int64_t cell_id,
                       int64_t *customer_id, int64_t *contract_id, inv_error_t *err);

#endif
