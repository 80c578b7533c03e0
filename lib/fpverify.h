/* Fingerprint verification at the door: every attempt is recorded, and a
 * customer whose prints fail to verify too often is locked out of
 * fingerprint verification for a while (sites.fp_max_failures within
 * sites.fp_lockout_minutes), with the staff alerted once per lock-out.
 * Only a staff override (a reason and a second person) lets them in
 * meanwhile.  An impostor trying finger after finger on someone else's
 * account is what this stops. */
#ifndef SR_FPVERIFY_H
#define SR_FPVERIFY_H
#include <stdint.h>
#include "arena.h"
#include "audit.h"
#include "db.h"
#include "notice.h"

typedef struct fpv_lockout {
    int locked;                /* 1 while locked out */
    int failures;              /* failed verifies in the window */
    int max_failures;          /* the site's fp_max_failures */
    const char *until_local;   /* when locked: the end, "YYYY-MM-DD HH:MM" in the site's zone (in a) */
} fpv_lockout_t;

/* Where the customer stands now.  A verify that matched ends the count:
 * only failures after the last match weigh.  DB_OK or a db_status. */
int fpv_lockout(db_t *db, arena_t *a, int64_t site_id, int64_t customer_id, fpv_lockout_t *out);

typedef struct fpv_attempt {
    int64_t site_id;
    int64_t customer_id;       /* 0: an identify that matched nobody */
    const char *kind;          /* verify, identify */
    const char *result;        /* match, no_match, error */
    const char *detail;        /* fingerd's error code, the lock-out, ... (<= 64 bytes) */
    const char *match_id;      /* on a match */
    int64_t staff_user_id;
} fpv_attempt_t;

/* Records the attempt.  A failed verify that brings the customer to the
 * limit starts a lock-out: an audit row fingerprint.lockout and a staff
 * alert (kind fp_lockout) in the same transaction.  *lock (may be NULL)
 * receives the standing after the attempt.  DB_OK or a db_status. */
int fpv_record(db_t *db, arena_t *a, notice_t *notices, const audit_actor_t *who, const fpv_attempt_t *at,
               fpv_lockout_t *lock);

#endif
