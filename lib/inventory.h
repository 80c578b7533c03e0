/* Sites, locker banks and cells: validation and every change, each in
 * one transaction together with its audit row.  Used by the back office
 * and the API alike; nothing here knows about HTTP or HTML. */
#ifndef SR_INVENTORY_H
#define SR_INVENTORY_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"

#define INV_MAX_CELLS_PER_BANK 500

/* A validation failure: which field, and a stable code that is also the
 * key of its message in templates/lang (errors.field.<code>). */
typedef struct inv_error {
    const char *field;
    const char *code;
} inv_error_t;

/* A site's billing policy (sql/migrations/0008 says what each means). */
typedef struct inv_billing {
    const char *prorate;             /* daily, none */
    int notice_days;                 /* 0..60: a due notice this many days ahead (0: none) */
    int overdue_days, suspend_days;  /* 1..365 each, suspension after overdue */
    int max_periods;                 /* 1..24 periods charged at once before a contract is parked */
} inv_billing_t;

typedef struct inv_site {
    const char *name, *address, *time_zone, *currency, *languages;
    int mod_vault, mod_storage, mod_mailroom;
    const inv_billing_t *billing;    /* NULL: the defaults on create, unchanged on update */
} inv_site_t;

extern const char *const inv_sizes[];      /* "S","M","L","XL", NULL */
extern const char *const inv_features[];   /* "charging","refrigerated","heated","accessible", NULL */

typedef struct inv_size_group {
    const char *size;          /* S M L XL */
    int count;                 /* cells of this size */
    int width_mm, height_mm, depth_mm;
    const char *features;      /* comma-separated subset of inv_features, may be "" */
} inv_size_group_t;

typedef struct inv_bank {
    int64_t site_id;
    const char *name, *location, *label_prefix;
    int columns;
    inv_size_group_t groups[4];
    int ngroups;
} inv_bank_t;

typedef struct inv_cell {
    const char *label, *size, *features;
    int width_mm, height_mm, depth_mm;
} inv_cell_t;

/* Default inner dimensions (mm) of a size class; 0 on an unknown size. */
int inv_default_dims(const char *size, int *w, int *h, int *d);

/* Pure validation; returns 0 or -1 with *err set.  Strings are trimmed
 * in place by the caller's choice, not here. */
int inv_validate_site(const inv_site_t *s, const char *available_langs, inv_error_t *err);
int inv_validate_billing(const inv_billing_t *b, inv_error_t *err);
int inv_validate_bank(const inv_bank_t *b, inv_error_t *err);
int inv_validate_cell(const inv_cell_t *c, inv_error_t *err);
int inv_valid_features(const char *csv);
int inv_valid_size(const char *size);
int inv_valid_time_zone(const char *tz);

/* Changes.  Return DB_OK, DB_ERR_DUP (name taken: err says which field),
 * or another db_status. */
int inv_site_create(db_t *db, const audit_actor_t *who, const inv_site_t *s, int64_t *id, inv_error_t *err);
int inv_site_update(db_t *db, const audit_actor_t *who, int64_t id, const inv_site_t *s, inv_error_t *err);
int inv_bank_create(db_t *db, arena_t *a, const audit_actor_t *who, const inv_bank_t *b,
                    int64_t *id, inv_error_t *err);
int inv_cell_update(db_t *db, const audit_actor_t *who, int64_t cell_id, const inv_cell_t *c, inv_error_t *err);
/* Takes a cell out of service (reason required) or puts it back (reason NULL). */
int inv_cell_set_service(db_t *db, const audit_actor_t *who, int64_t cell_id, int out_of_service,
                         const char *reason, inv_error_t *err);
/* The site a bank or a cell belongs to (0 when absent): for scope checks. */
int64_t inv_site_of_bank(db_t *db, arena_t *a, int64_t bank_id);
int64_t inv_site_of_cell(db_t *db, arena_t *a, int64_t cell_id);

#endif
