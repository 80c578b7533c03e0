/* Vault visits: who came to which locker, when, how identity was
 * verified and who was on duty.  A visit is opened by a verification
 * (fingerprint, from fingerd later) or by a staff override with a reason,
 * and closed at check-out. */
#ifndef SR_VISIT_H
#define SR_VISIT_H
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
} visit_start_t;

/* Refuses with err->code: contract_suspended (arrears), contract_closed,
 * visit_open (already inside), override_reason.  A repeated
 * verification_ref returns the visit it already opened (*id) and DB_OK. */
int visit_check_in(db_t *db, const audit_actor_t *who, const visit_start_t *v, int64_t *id, inv_error_t *err);
int visit_check_out(db_t *db, const audit_actor_t *who, int64_t visit_id, int64_t staff_user_id,
                    inv_error_t *err);
int64_t visit_site(db_t *db, arena_t *a, int64_t visit_id);   /* 0 when absent */

#endif
