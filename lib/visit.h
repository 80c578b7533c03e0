/* Vault visits: who came to which locker, when, how identity was
 * verified and who was on duty.  A visit is opened by a verification
 * (fingerprint, from fingerd later) or by a staff override with a reason,
 * and closed at check-out. */
#ifndef SR_VISIT_H
#define SR_VISIT_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "inventory.h"

typedef struct visit_start {
    int64_t site_id, contract_id;
    const char *verified_by;       /* fingerprint or staff_override */
    const char *override_reason;   /* required for staff_override */
    const char *verification_ref;  /* fingerprint match id: one visit per verification; NULL for overrides */
    int64_t staff_user_id;         /* on duty */
    /* A staff member's override is approved by a second one (another
     * user who may approve overrides: the back office checks who); an
     * integration's override (staff_user_id 0) carries none. */
    int64_t override_approved_by;
} visit_start_t;

/* Results beyond the db_status values (< 0). */
enum visit_status {
    VISIT_OK = 0,
    VISIT_REFUSED = 1,      /* a rule says no; err says which field and why */
    VISIT_NOT_FOUND = 2,    /* the contract or visit is unknown, or of another site */
};

#define VISIT_REASON_MAX 500   /* visits.override_reason, in characters */
#define VISIT_REF_MAX 64       /* visits.verification_ref, in bytes */

/* Pure: the checks that need no database (verified_by known, the reason
 * an override needs and a staff member's override its second person, the
 * reference a fingerprint needs).  0 or -1. */
int visit_validate_start(const visit_start_t *v, inv_error_t *err);

/* Pure: seconds as "H:MM:SS" (hours may exceed 24); out >= 24 bytes. */
void visit_format_duration(int64_t seconds, char *out, size_t outlen);

/* One transaction with its audit rows (inside the caller's when one is
 * open).  Refuses (VISIT_REFUSED) with err->code: contract_suspended
 * (arrears), contract_closed, visit_open (already inside), override_reason,
 * override_approval, verification_ref; VISIT_NOT_FOUND when the contract is not the site's.
 * A repeated verification_ref returns the visit it already opened (*id)
 * and DB_OK.  Otherwise a db_status. */
int visit_check_in(db_t *db, const audit_actor_t *who, const visit_start_t *v, int64_t *id, inv_error_t *err);
/* Closes an open visit once: a second check-out is VISIT_REFUSED with
 * err->code visit_closed; an unknown visit VISIT_NOT_FOUND. */
int visit_check_out(db_t *db, const audit_actor_t *who, int64_t visit_id, int64_t staff_user_id,
                    inv_error_t *err);
int64_t visit_site(db_t *db, arena_t *a, int64_t visit_id);   /* 0 when absent */

#endif
