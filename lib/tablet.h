/* Enrollment tablets: pairing codes and device tokens.
 *
 * Staff create a tablet for a site and get an 8-character pairing code,
 * shown once and kept only as a hash, valid for TABLET_CODE_MINUTES.  The
 * device types the code once; it receives a random device token (kept
 * only as a hash) in a cookie and is from then on that tablet, until it
 * is revoked or given a new code.  Wrong codes are counted per client
 * address in login_throttle under the "pair:" prefix. */
#ifndef SR_TABLET_H
#define SR_TABLET_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "auth.h"
#include "inventory.h"

#define TABLET_CODE_CHARS 8
#define TABLET_CODE_LEN (TABLET_CODE_CHARS + 1)
#define TABLET_CODE_MINUTES 15
#define TABLET_TOKEN_LEN AUTH_TOKEN_LEN
#define TABLET_COOKIE "sr_tablet"
/* Letters and digits nobody confuses when reading them off a screen:
 * no 0/O, 1/I/L, 2/Z, 5/S, 8/B. */
#define TABLET_CODE_ALPHABET "34679ACDEFGHJKMNPQRTUVWXY"

enum tablet_status {
    TABLET_OK = 0,
    TABLET_BAD_CODE = 1,       /* unknown, expired or revoked */
    TABLET_THROTTLED = 2,      /* too many wrong codes from this address */
    TABLET_DB_ERROR = 3,
};

typedef struct tablet {
    int64_t id, site_id;
    const char *name;
    const char *site_name, *site_languages, *site_time_zone, *site_currency;
} tablet_t;

/* Pure: a fresh random code (out: TABLET_CODE_LEN bytes). */
void tablet_code_new(char out[TABLET_CODE_LEN]);
/* Pure: what a person typed (any case, spaces or dashes between groups)
 * as the canonical code; 0 when it has the form of a code, else -1. */
int  tablet_code_normalize(const char *typed, char out[TABLET_CODE_LEN]);

/* Pure: name required, at most 120 characters. */
int  tablet_validate_name(const char *name, inv_error_t *err);

/* Back office.  Each is one transaction with its audit row.  code
 * receives the new pairing code (shown once by the caller). */
int  tablet_create(db_t *db, const audit_actor_t *who, int64_t site_id, const char *name,
                   char code[TABLET_CODE_LEN], int64_t *id, inv_error_t *err);
/* A new code for a tablet that is not revoked (pairing again replaces the
 * device that held the tablet before).  DB_ERR_FK when absent or revoked. */
int  tablet_new_code(db_t *db, const audit_actor_t *who, int64_t id, char code[TABLET_CODE_LEN]);
/* Revokes: the device token and any pending code stop working at once.
 * DB_ERR_FK when absent or already revoked. */
int  tablet_revoke(db_t *db, const audit_actor_t *who, int64_t id);
int64_t tablet_site(db_t *db, arena_t *a, int64_t id);   /* 0 when absent */

/* Device side.  tablet_pair checks the address's throttle, then the
 * code; on TABLET_OK token holds the new device token for the cookie. */
typedef struct tablet_policy {
    int max_failures;          /* wrong codes from one address within the window that lock it */
    int window_min, lockout_min;
} tablet_policy_t;
void tablet_policy_from_config(const config_t *cfg, tablet_policy_t *p);
int  tablet_pair(db_t *db, arena_t *a, const tablet_policy_t *p, const char *typed_code, const char *ip,
                 char token[TABLET_TOKEN_LEN], tablet_t **out);
/* Resolves a device token: TABLET_OK with *out, TABLET_BAD_CODE when
 * unknown or revoked, TABLET_DB_ERROR when the database cannot answer. */
int  tablet_resolve(db_t *db, arena_t *a, const char *token, tablet_t **out);
/* Pending enrollment requests on the sites the user may see: one
 * indexed count, cheap enough for every back-office page. */
int  tablet_enrollments_pending(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n);

/* The audit actor for a device. */
audit_actor_t tablet_actor(const tablet_t *t, const char *ip);

#endif
