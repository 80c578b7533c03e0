/* Live fingerprint operations in the back office (enrollment, visit
 * verification): the request goes to the site's fingerd (lib/fingerc) and
 * the reader's progress comes back to the browser as it happens.
 *
 * With "Accept: application/x-ndjson" (static/js/fingerprint.js) the
 * answer is streamed, one JSON object a line: each progress line of
 * fingerd (started, scan, stage, retry; docs/fingerd.md §4) with a
 * translated "text" added, then {"ok":true|false,"html":FRAGMENT}.
 * Without it (no JavaScript) the request blocks until the end and the
 * full page is answered.  Either way a browser that goes away hangs up on
 * fingerd, which cancels the reader's operation.
 *
 * The outcome the fragment shows is in the dataset:
 *   FpLive.ok       1 or 0 (the final line's "ok")
 *   FpLive.outcome  what happened: fingerd's final "event" (enrolled,
 *                   result) on success, else one of no_reader,
 *                   not_running, no_reply, busy, no_device, timeout,
 *                   device_error, cancelled, not_enrolled, bad_reply,
 *                   save_failed, or a refusal of the caller's
 *   FpLive.message  the words for a failed outcome, translated
 *                   (fingerprints.outcome.<code>) */
#ifndef SR_BACKOFFICE_FPLIVE_H
#define SR_BACKOFFICE_FPLIVE_H
#include <stdint.h>
#include <jansson.h>
#include "web.h"

typedef struct fp_live {
    int64_t site_id;             /* whose reader (fingerc_reader_socket) */
    const json_t *request;       /* the fingerd request, borrowed */
    /* Called once in every case: with fingerd's final object (status
     * FINGERC_OK or FINGERC_REFUSED), or with final NULL when there was
     * none (no reader configured, fingerd unreachable or silent, the
     * browser gone: status is the fingerc_status, err the words).  The
     * FpLive.* outcome is set already; this does the database work and
     * fills what the fragment shows, and may change the outcome with
     * bo_fp_live_outcome().  Returns 0 or an HTTP status (the outcome then
     * becomes save_failed unless it set a failed one itself). */
    int (*on_final)(web_req_t *req, int status, const json_t *final, const char *err, void *ctx);
    void *ctx;
    const char *fragment;        /* template of the outcome, e.g. "backoffice/fp_enroll_result.cs" */
    const char *page;            /* full page around the fragment for the answer without JavaScript */
} fp_live_t;

/* Runs the operation and answers (streamed or the page).  Returns 0 or an
 * HTTP status for the error page (only before anything was sent). */
int bo_fp_live(web_req_t *req, const fp_live_t *live);

/* Answers a request refused before anything reached the reader (a bad
 * finger, no consent, ...) the way bo_fp_live answers: the outcome code
 * (its words fingerprints.outcome.<code>) as the final line, or the page,
 * with that HTTP status. */
int bo_fp_live_refuse(web_req_t *req, const fp_live_t *live, const char *code, int http_status);

/* Sets FpLive.ok, .outcome and, for a failure, .message. */
void bo_fp_live_outcome(web_req_t *req, int ok, const char *code);

/* The reader of a site as a screen shows it, in Reader.*: state (ready,
 * busy, no_device, no_reader, not_running, no_reply), busy_with, device
 * (its name), driver, stages (enroll stages, 0 when unknown).  Asks
 * fingerd for its status, briefly. */
void bo_fp_reader_state(web_req_t *req, int64_t site_id);

#endif
