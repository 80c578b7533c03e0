#include "json.h"
#include <stdlib.h>
#include <string.h>

int json_send(web_req_t *r, int status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return web_fail(r, 500, "internal", NULL);
    web_set_status(r, status);
    web_add_header(r, "Content-Type", status >= 400 ? "application/problem+json" : "application/json");
    web_puts(r, s);
    free(s);
    return 0;
}

static const char *default_title(int status)
{
    return web_status_text(status);
}

json_t *json_problem_new(int status, const char *code, const char *title, const char *detail, const char *field)
{
    char type[128];
    snprintf(type, sizeof type, "urn:strongroom:problem:%s", code ? code : "error");
    json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title ? title : default_title(status),
                          "status", status, "code", code ? code : "error");
    if (j && detail) json_object_set_new(j, "detail", json_string(detail));
    if (j && field) json_object_set_new(j, "field", json_string(field));
    return j;
}

void json_send_problem(web_req_t *r, int status, const char *code, const char *detail, const char *field)
{
    web_reset_body(r);
    json_send(r, status, json_problem_new(status, code, NULL, detail, field));
}

static json_t *list_of(const char *csv)
{
    json_t *a = json_array();
    const char *p = csv;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p = e ? e + 1 : NULL;
    }
    return a;
}

static json_t *time_of(const char *t)
{
    /* "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) -> "YYYY-MM-DDTHH:MM:SSZ" */
    char buf[32];
    if (strlen(t) < 19) return json_string(t);
    memcpy(buf, t, 19);
    buf[10] = 'T';
    buf[19] = 'Z';
    buf[20] = '\0';
    return json_string(buf);
}

json_t *json_row(const db_res_t *res, int row, const char *types)
{
    json_t *o = json_object();
    for (int c = 0; c < res->ncols && types[c]; c++) {
        if (types[c] == '-') continue;
        const char *v = db_cell(res, row, c);
        json_t *val;
        if (!v) val = json_null();
        else switch (types[c]) {
        case 'i': val = json_integer(strtoll(v, NULL, 10)); break;
        case 'b': val = json_boolean(strcmp(v, "0") != 0); break;
        case 'l': val = list_of(v); break;
        case 't': val = time_of(v); break;
        default:  val = json_string(v); break;
        }
        json_object_set_new(o, res->names[c], val);
    }
    return o;
}

json_t *json_rows(const db_res_t *res, const char *types)
{
    json_t *a = json_array();
    for (int i = 0; i < res->nrows; i++) json_array_append_new(a, json_row(res, i, types));
    return a;
}
