/* What notifyd posts to HTTP gateways and how it reads their answers
 * (docs/notify.md): the SMS gateway's body from the operator's template,
 * the Slack and Teams webhook payloads, the provider's id for a message
 * in a JSON answer, and what an HTTP status means for a retry.  Pure. */
#ifndef SR_GATEWAY_H
#define SR_GATEWAY_H
#include <stddef.h>
#include "arena.h"

enum gateway_body { GATEWAY_JSON, GATEWAY_FORM };

/* The template's placeholders: {to}, {text}, {id}.  0 when every
 * "{word}" in tmpl is one of them (anything else between braces that is
 * not a lower-case word is left as it is, so JSON's own braces are
 * fine), else -1 with the unknown one in err. */
int gateway_template_check(const char *tmpl, char *err, size_t errlen);

/* The template with each placeholder replaced by its value escaped for
 * the body type: GATEWAY_JSON escapes as the inside of a JSON string
 * (the template has the quotes), GATEWAY_FORM percent-encodes as
 * application/x-www-form-urlencoded (space as '+').  NULL on OOM. */
char *gateway_render(arena_t *a, const char *tmpl, int type, const char *to, const char *text, const char *id);

/* Slack incoming webhook: {"text": ...}, the subject (when there is one)
 * in bold on the first line; &, < and > escaped as Slack asks. */
char *gateway_slack_body(arena_t *a, const char *subject, const char *text);
/* Teams incoming webhook: a MessageCard with the subject as title and
 * summary (the text's start when there is no subject) and the text. */
char *gateway_teams_body(arena_t *a, const char *subject, const char *text);

/* The value at a dotted path ("message_id", "data.id") of a JSON answer,
 * a string or an integer, as text in a; NULL when there is none. */
char *gateway_answer_field(arena_t *a, const char *answer, size_t len, const char *path);

/* What an HTTP status means for a message posted (enum outbox_outcome of
 * lib/outbox): 2xx sent; 408, 429 and 5xx retry (the gateway did not take
 * it and says so, or is overloaded); anything else failed for good (the
 * request itself is wrong: retrying sends the same wrong request). */
int gateway_status_outcome(long status);

#endif
