/* notifyd: drains the notification outbox and runs scheduled jobs
 * (docs/notify.md).
 *
 * One thread.  Claimed messages go to libcurl's multi interface at once,
 * so every message notifyd holds is on its way; finished transfers are
 * recorded together after each turn of the loop, and scheduled jobs run
 * between claims. */
#ifndef SR_NOTIFYD_H
#define SR_NOTIFYD_H
#include <curl/curl.h>
#include "arena.h"
#include "config.h"
#include "db.h"
#include "outbox.h"
#include "retry.h"
#include "schedule.h"

#define ND_WORKER_MAX 48
#define ND_PREFIX_MAX 32
#define ND_ANSWER_MAX 65536     /* of a gateway's answer kept for its id and the error */

enum nd_security { ND_SEC_NONE, ND_SEC_STARTTLS, ND_SEC_SMTPS };

typedef struct nd_hook {
    const char *channel;        /* "slack" or "teams" */
    const char *name;           /* the outbox row's recipient */
    const char *url;            /* from the secret file */
} nd_hook_t;

/* Notify.* of the config, checked at start (settings.c).  Strings live in a. */
typedef struct nd_settings {
    arena_t *a;
    char worker[ND_WORKER_MAX + 1];
    char id_prefix[ND_PREFIX_MAX + 1];
    long poll_ms, connect_timeout_ms, timeout_ms, retry_base_ms, retry_cap_ms;
    int batch, concurrency, jobs_batch;
    retry_policy_t jobs;
    struct {
        int on, form;
        const char *url, *body, *auth_header, *auth_value, *id_field;
    } sms;
    struct {
        int on, security;
        const char *url, *user, *password, *from, *from_name, *ca_file, *domain;
    } mail;
    nd_hook_t *hooks;
    int nhooks;
} nd_settings_t;

/* worker overrides Notify.Worker when not NULL. */
int  nd_settings_load(const config_t *cfg, const char *worker, nd_settings_t *s, char *err, size_t errlen);
void nd_settings_free(nd_settings_t *s);
const char *nd_hook_url(const nd_settings_t *s, const char *channel, const char *name);

/* One message on its way. */
typedef struct nd_xfer {
    struct nd_xfer *next;               /* the done list */
    struct nd_xfer *fly_prev, *fly_next;    /* in flight */
    int flying;
    CURL *easy;
    arena_t *a;                 /* the row, the request, the answer, the result's texts */
    outbox_row_t row;
    char key[ND_PREFIX_MAX + 24];   /* the message's id for gateways: IdPrefix + row id */
    int mail;
    struct curl_slist *headers, *rcpt;
    const char *upload;         /* SMTP: the message */
    size_t upload_len, upload_off;
    char *answer;
    size_t answer_len;
    char errbuf[CURL_ERROR_SIZE];
    outbox_result_t result;
    const char *brief;          /* for the log when the error quotes the other side's answer */
} nd_xfer_t;

/* channels.c: sets up x->easy for its row's channel.  0, or -1 with err
 * when the row cannot be sent as it is (a channel that is not
 * configured, a webhook name the config does not know): failed at once. */
int  nd_channel_prepare(const nd_settings_t *s, nd_xfer_t *x, char *err, size_t errlen);
/* channels.c: what became of a finished transfer (x->result). */
void nd_channel_outcome(const nd_settings_t *s, nd_xfer_t *x, CURLcode cc);

/* deliver.c: the transfers in flight and the results waiting to be recorded. */
typedef struct nd_engine {
    const nd_settings_t *s;
    CURLM *multi;
    int inflight;
    nd_xfer_t *flying;          /* in the multi handle */
    int lost;                   /* a claimed row was dropped (out of memory): release when idle */
    nd_xfer_t *done;            /* finished, in the order they finished */
    nd_xfer_t **done_tail;
    int ndone;
} nd_engine_t;

int  nd_engine_init(nd_engine_t *e, const nd_settings_t *s);
void nd_engine_free(nd_engine_t *e);
/* Hands a claimed row to its channel (or straight to the done list when
 * it cannot go). */
void nd_engine_start(nd_engine_t *e, const outbox_row_t *row);
/* Waits up to timeout_ms for the transfers or for fd to be readable (1
 * when it is), moves them on and collects the finished ones. */
int  nd_engine_pump(nd_engine_t *e, int fd, long timeout_ms);
/* Records the finished ones (one transaction); DB_OK or a db_status, in
 * which case they are kept for the next call. */
int  nd_engine_record(nd_engine_t *e, db_t *db);

/* jobs.c: the kinds of scheduled job this notifyd runs, and what their
 * handlers get as ctx (made once in main). */
typedef struct nd_jobs_ctx {
    const config_t *cfg;
    /* The "notice" handler's rendered templates (lib/notice) go here. */
} nd_jobs_ctx_t;
extern const schedule_handler_t nd_job_handlers[];

/* cli.c: the operator's commands (put, resend, cancel, schedule,
 * unschedule); returns the exit status. */
int  nd_cli(db_t *db, int argc, char **argv);

#endif
