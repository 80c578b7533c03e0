/* The client of fingerd's UNIX socket (docs/fingerd.md §4): one request
 * per connection, its progress lines handed to a callback as they come,
 * then the final line.  Each call opens its own connection, so a restarted
 * fingerd (or a reader plugged back in) is simply found again; hanging up
 * cancels the reader's operation.
 *
 * The failures are kept apart for the operator: fingerd is not there
 * (nothing happened), it went quiet or hung up mid-way, or it answered with
 * a refusal (busy, no_device, timeout, ...: its code and message). */
#ifndef SR_FINGERC_H
#define SR_FINGERC_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"

enum fingerc_status {
    FINGERC_OK = 0,
    FINGERC_UNREACHABLE = -1,  /* no socket, nobody listening, or the request was not taken */
    FINGERC_NO_REPLY = -2,     /* no line within the idle time, or fingerd hung up before its final line */
    FINGERC_REFUSED = -3,      /* {"ok":false,...}: the code in the final object's "error", its message in err */
    FINGERC_BAD_REPLY = -4,    /* a line that is not a JSON object */
    FINGERC_STOPPED = -5,      /* the caller's callback asked to stop: the connection was closed */
};

/* The longest line read: an enrollment's final line carries the sealed
 * template in base64 (a few KB; libfprint prints of other drivers are
 * larger). */
#define FINGERC_MAX_LINE (1u << 20)
#define FINGERC_CONNECT_MS 1000
/* How long matching one print may take, beyond the idle time, once
 * fingerd says it is matching (measured: about 40 ms a print). */
#define FINGERC_MATCH_PRINT_MS 100
#define FINGERC_SCAN_TIMEOUT_DEFAULT 30   /* fingerd's own default (docs/fingerd.md §1) */

/* A progress line (no "ok" member).  Nonzero stops the call (the
 * connection is closed, which cancels the reader's operation). */
typedef int (*fingerc_event_fn)(const json_t *event, void *ctx);

/* The socket of the first reader configured for the site
 * (Fingerd.Readers.<name>.Site; its Socket or <Paths.Var>/run/fingerd-<name>.sock).
 * 0, or -1 when the site has no reader. */
int fingerc_reader_socket(const config_t *cfg, int64_t site_id, char *out, size_t outlen);

/* The ScanTimeoutSec of that reader (how long fingerd waits for a
 * finger, default 30): a client waits a little longer for each line. */
int fingerc_reader_scan_timeout(const config_t *cfg, int64_t site_id);

/* Sends the request and reads its lines.  idle_ms bounds the wait for each
 * line (a finger may take its time; fingerd's own scan timeout ends a
 * wait for one first).  FINGERC_OK and FINGERC_REFUSED hand back the final
 * object in *final (the caller decrefs); anything else leaves it NULL.
 * err says what happened in words. */
int fingerc_call(const char *sock_path, const json_t *request, int idle_ms, fingerc_event_fn on_event, void *ctx,
                 json_t **final, char *err, size_t errlen);
/* fingerc_call that also stops (FINGERC_STOPPED, hanging up on fingerd)
 * as soon as watch_fd's peer hangs up: the browser's connection, whose
 * end means nobody waits for the finger any more (web_client_fd). */
int fingerc_call_watch(const char *sock_path, const json_t *request, int idle_ms, int watch_fd,
                       fingerc_event_fn on_event, void *ctx, json_t **final, char *err, size_t errlen);

/* How long asking fingerd about a match may take. */
#define FINGERC_MATCH_MS 5000

/* Whether the site's fingerd vouches that match_id is its fresh match of
 * this customer at this site (the proof of a fingerprint visit; a
 * reference typed into a form or an API call is never proof by itself):
 * 1 yes; 0 no (unknown, expired, another customer's or site's); -1 there
 * is nobody to ask (no reader configured, fingerd not answering). */
int fingerc_vouches(const config_t *cfg, int64_t site_id, int64_t customer_id, const char *match_id);

/* A stable short name of a status ("unreachable", "no_reply", ...). */
const char *fingerc_status_name(int status);

/* The error code of a refused call's final object ("busy", "no_device"...),
 * "" when there is none. */
const char *fingerc_error_code(const json_t *final);

#endif
