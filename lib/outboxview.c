#include "outboxview.h"
#include <string.h>

int outboxview_sees_alerts(const auth_user_t *u)
{
    /* Alerts are about the whole installation (billing held contracts,
     * a gateway down): an administrator's business. */
    return u && u->role && !strcmp(u->role, "admin");
}

int outboxview_can_see(const auth_user_t *u, int64_t site_id)
{
    return site_id ? auth_can_see_site(u, site_id) : outboxview_sees_alerts(u);
}

int outboxview_attention(db_t *db, arena_t *a, const auth_user_t *u, int64_t *n)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, "SELECT COUNT(*) FROM outbox WHERE state IN ('failed', 'unknown') AND "
                      OUTBOXVIEW_VISIBLE("site_id"), "Iii", OUTBOXVIEW_ARGS(u));
    if (rc) return rc;
    *n = db_cell_int(r, 0, 0);
    return DB_OK;
}
