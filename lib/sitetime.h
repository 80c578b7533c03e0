/* A site's local calendar (DESIGN.md §4): instants are UTC in the
 * database, but "today", "received on" and "the 1st of the month" are
 * dates in the site's time zone (sites.time_zone).  MariaDB does the zone
 * arithmetic (its time-zone tables, loaded by tools/stack and at
 * deployment), so every program agrees with every query. */
#ifndef SR_SITETIME_H
#define SR_SITETIME_H
#include <stdint.h>
#include "arena.h"
#include "db.h"

/* The site's local date now, "YYYY-MM-DD".  Falls back to the UTC date
 * (with a warning in the log) when the zone is unknown to the server.
 * Returns 0, or a db_status (DB_ERR_FK when the site does not exist). */
int sitetime_today(db_t *db, arena_t *a, int64_t site_id, char out[11]);

/* The site's local date of a UTC instant "YYYY-MM-DD HH:MM:SS[.ffffff]". */
int sitetime_local_date(db_t *db, arena_t *a, int64_t site_id, const char *utc_datetime, char out[11]);

#endif
