/* API keys: "sr_" + 43 base64url characters (32 random bytes).  Only a
 * BLAKE2b-256 hash and an 8-character prefix are stored; the key itself
 * is shown once, when it is made.  Keys are scoped to sites (or all),
 * may be read-only, and can be revoked. */
#ifndef SR_APIKEY_H
#define SR_APIKEY_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "inventory.h"

#define APIKEY_CHARS 46          /* "sr_" + base64url of 32 random bytes (43) */
#define APIKEY_LEN 48            /* a buffer for a key: APIKEY_CHARS + NUL, rounded up */

typedef struct apikey {
    int64_t id;
    const char *name;
    int all_sites, can_write;
    const int64_t *sites;
    int nsites;
} apikey_t;

typedef struct apikey_spec {
    const char *name;
    int all_sites, can_write;
    const int64_t *sites;        /* when !all_sites: at least one */
    int nsites;
} apikey_spec_t;

/* Pure: checks a spec; 0 or -1 with *err (fields "name", "sites"). */
int apikey_validate(const apikey_spec_t *spec, inv_error_t *err);
/* Makes a key in one transaction with its audit row ("apikey.create").
 * key receives the plain key; it is not kept anywhere.  A site id given
 * twice counts once.  DB_OK, or a db_status; DB_ERR_FK when a site does
 * not exist.  created_by is the staff user (0 = none). */
int apikey_create(db_t *db, const audit_actor_t *who, int64_t created_by, const apikey_spec_t *spec,
                  char key[APIKEY_LEN], int64_t *id);
/* DB_OK, or DB_ERR_FK when there is no such live key. */
int apikey_revoke(db_t *db, const audit_actor_t *who, int64_t id);

enum { APIKEY_OK = 0, APIKEY_UNAUTHORIZED = 1, APIKEY_DB_ERROR = 2 };
/* Resolves an "Authorization: Bearer <key>" header value (NULL allowed)
 * to a live key in a: APIKEY_OK, APIKEY_UNAUTHORIZED for anything absent,
 * malformed, unknown or revoked (one answer, so a caller learns nothing
 * about which), or APIKEY_DB_ERROR.  Records the use in last_used_at at
 * most once a minute. */
int apikey_resolve(db_t *db, arena_t *a, const char *authorization, apikey_t **key);
/* Pure: 1 when the key may see the site (site_id > 0). */
int apikey_can_see_site(const apikey_t *k, int64_t site_id);

#endif
