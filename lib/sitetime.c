#include "sitetime.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

/* Column 0: the local date or NULL when CONVERT_TZ does not know the zone;
 * column 1: the UTC date, the fallback. */
static int pick(db_t *db, db_res_t *r, int64_t site_id, char out[11])
{
    if (r->nrows != 1) return DB_ERR_FK;
    const char *local = db_cell(r, 0, 0), *utc = db_cell(r, 0, 1);
    if (!local) {
        log_warn("site %lld: time zone unknown to the database (time-zone tables loaded?); using UTC",
                 (long long)site_id);
        local = utc;
    }
    if (!local || strlen(local) != 10) return DB_ERR;
    memcpy(out, local, 11);
    return DB_OK;
}

int sitetime_today(db_t *db, arena_t *a, int64_t site_id, char out[11])
{
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT DATE_FORMAT(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', time_zone), '%Y-%m-%d'),"
        " DATE_FORMAT(UTC_DATE(), '%Y-%m-%d') FROM sites WHERE id = ?", "i", site_id);
    return rc ? rc : pick(db, r, site_id, out);
}

int sitetime_local_date(db_t *db, arena_t *a, int64_t site_id, const char *utc_datetime, char out[11])
{
    db_res_t *r;
    /* CAST of a malformed text is NULL in both columns: reported as DB_ERR. */
    int rc = db_query(db, a, &r,
        "SELECT DATE_FORMAT(CONVERT_TZ(CAST(? AS DATETIME(6)), '+00:00', time_zone), '%Y-%m-%d'),"
        " DATE_FORMAT(CAST(? AS DATETIME(6)), '%Y-%m-%d') FROM sites WHERE id = ?",
        "ssi", utc_datetime, utc_datetime, site_id);
    return rc ? rc : pick(db, r, site_id, out);
}
