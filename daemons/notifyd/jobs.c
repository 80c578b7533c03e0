/* The kinds of scheduled job notifyd runs (lib/schedule).  A handler runs
 * inside its job's transaction: what it writes (a message put in the
 * outbox, say) commits with the job marked done, or not at all. */
#include "notifyd.h"
#include "log.h"

/* "log": writes the payload to the log.  Proves the scheduler runs (an
 * operator can schedule one); it does nothing else. */
static int job_log(db_t *db, void *ctx, int64_t site_id, const char *payload, char *err, size_t errlen)
{
    /* ctx is the nd_jobs_ctx_t; this kind needs nothing from it. */
    (void)db; (void)ctx; (void)err; (void)errlen;
    log_info("scheduled log job (site %lld): %s", (long long)site_id, payload);
    return 0;
}

/* A kind missing here fails its jobs with "no handler" and they are
 * retried with back-off, so jobs scheduled by a newer module wait for the
 * notifyd that knows them (until their last attempt). */
const schedule_handler_t nd_job_handlers[] = {
    { "log", job_log },
    /* "notice": the storage and mailroom reminders (lib/notice) register
     * here, with what they need set up in nd_jobs_ctx_t. */
    { NULL, NULL },
};
