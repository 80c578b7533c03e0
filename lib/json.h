/* JSON responses for the API (jansson): documents, RFC 9457 problem
 * documents with a stable machine code, and rows turned into objects. */
#ifndef SR_JSON_H
#define SR_JSON_H
#include <jansson.h>
#include "web.h"
#include "db.h"

/* Sends j (the reference is taken) with the status; returns 0. */
int     json_send(web_req_t *r, int status, json_t *j);
/* Builds a problem document: type "urn:strongroom:problem:<code>", title,
 * status, detail (may be NULL), code, and field when one is at fault. */
json_t *json_problem_new(int status, const char *code, const char *title, const char *detail, const char *field);
void    json_send_problem(web_req_t *r, int status, const char *code, const char *detail, const char *field);
/* A row as an object.  types has a letter per column: i integer, s string,
 * b boolean, l comma list -> array of strings, t time "YYYY-MM-DD HH:MM:SS"
 * -> RFC 3339 UTC, - skip.  NULL cells become null. */
json_t *json_row(const db_res_t *res, int row, const char *types);
/* Every row as an array of objects. */
json_t *json_rows(const db_res_t *res, const char *types);

#endif
