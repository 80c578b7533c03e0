/* JSON for the API (jansson): responses, RFC 9457 problem documents,
 * database rows turned into objects, and typed members of request bodies.
 *
 * Problem documents carry the members type, title, status, code, and
 * when they apply detail, field and reason.  code is the stable machine
 * code clients switch on; type is the same code as a URN,
 * "urn:strongroom:problem:<code>" (JSON_PROBLEM_TYPE_PREFIX): a name, not
 * a page to fetch, so it never changes with where the service is hosted.
 * templates/api/openapi.json lists the codes. */
#ifndef SR_JSON_H
#define SR_JSON_H
#include <stddef.h>
#include <jansson.h>
#include "arena.h"
#include "web.h"
#include "db.h"

#define JSON_PROBLEM_TYPE_PREFIX "urn:strongroom:problem:"

/* Sends j as application/json with the status; the reference is taken.
 * Returns 0, or 500 (the caller returns it) when j cannot be serialised. */
int     json_send(web_req_t *r, int status, json_t *j);

/* Pure: a problem document with type, title (the status's reason
 * phrase), status, code and detail (left out when NULL).  Add field and
 * reason with json_problem_at(). */
json_t *json_problem_new(int status, const char *code, const char *detail);
/* Pure: names the input at fault (field) and why (reason, a stable code
 * such as "required", "wrong_type" or an inventory code); NULLs are left
 * out.  Returns p. */
json_t *json_problem_at(json_t *p, const char *field, const char *reason);
/* Replaces whatever the response held with the problem document p (the
 * reference is taken) as application/problem+json, with p's status. */
void    json_send_problem(web_req_t *r, json_t *p);

/* Pure: a row as an object.  types has one letter per column:
 *   i integer  b boolean ("0" false)  s string  l comma list -> array of strings
 *   t time "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) -> "YYYY-MM-DDTHH:MM:SSZ"
 *   - left out
 * Columns past the end of types are left out; NULL cells become null. */
json_t *json_row(const db_res_t *res, int row, const char *types);
/* Pure: every row as an array of objects. */
json_t *json_rows(const db_res_t *res, const char *types);

/* Pure: 1 when a Content-Type names application/json (parameters such
 * as charset allowed, nothing else). */
int     json_media_type_ok(const char *content_type);

/* Typed members of a request object.  Each returns 0, or -1 with *reason
 * set to "required" (absent or null but needed), "wrong_type" or
 * "out_of_range".  An absent or null optional member gives the default. */
int json_get_string(const json_t *o, const char *name, int required, const char *def,
                    arena_t *a, const char **out, const char **reason);
int json_get_int(const json_t *o, const char *name, int def, int min, int max, int *out, const char **reason);
int json_get_bool(const json_t *o, const char *name, int def, int *out, const char **reason);
/* An array of at most max_items non-empty strings without commas, joined
 * with commas into a string in a (the comma form lib/inventory takes). */
int json_get_csv(const json_t *o, const char *name, size_t max_items, arena_t *a,
                 const char **out, const char **reason);

#endif
