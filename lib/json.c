#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A response has one Content-Type: an error rendered after a handler had
 * already started a document must not leave the old one in front. */
static void drop_content_type(web_req_t *r)
{
    for (web_header_t **h = &r->headers; *h;) {
        if (!strcasecmp((*h)->name, "Content-Type")) *h = (*h)->next;
        else h = &(*h)->next;
    }
}

static int send_as(web_req_t *r, int status, const char *ctype, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return 500;
    web_reset_body(r);
    web_set_status(r, status);
    drop_content_type(r);
    web_add_header(r, "Content-Type", ctype);
    web_puts(r, s);
    free(s);
    return 0;
}

int json_send(web_req_t *r, int status, json_t *j)
{
    if (send_as(r, status, "application/json", j) == 0) return 0;
    return web_fail(r, 500, "internal", NULL);
}

json_t *json_problem_new(int status, const char *code, const char *detail)
{
    if (!code) code = "internal";
    char type[128];
    snprintf(type, sizeof type, JSON_PROBLEM_TYPE_PREFIX "%s", code);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", web_status_text(status),
                          "status", status, "code", code);
    if (p && detail) json_object_set_new(p, "detail", json_string(detail));
    return p;
}

json_t *json_problem_at(json_t *p, const char *field, const char *reason)
{
    if (p && field) json_object_set_new(p, "field", json_string(field));
    if (p && reason) json_object_set_new(p, "reason", json_string(reason));
    return p;
}

void json_send_problem(web_req_t *r, json_t *p)
{
    int status = (int)json_integer_value(json_object_get(p, "status"));
    if (status < 400) status = 500;
    if (send_as(r, status, "application/problem+json", p) != 0) {
        /* Out of memory for even the problem: a fixed document still says what happened. */
        web_reset_body(r);
        web_set_status(r, 500);
        drop_content_type(r);
        web_add_header(r, "Content-Type", "application/problem+json");
        web_puts(r, "{\"type\":\"" JSON_PROBLEM_TYPE_PREFIX "internal\",\"title\":\"Internal Server Error\","
                    "\"status\":500,\"code\":\"internal\"}");
    }
}

/* ---------- rows ---------- */

static json_t *list_of(const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p = e ? e + 1 : NULL;
    }
    return a;
}

static json_t *time_of(const char *t)
{
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

/* ---------- request bodies ---------- */

int json_media_type_ok(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct) return 0;
    while (*ct == ' ' || *ct == '\t') ct++;
    if (strncasecmp(ct, want, sizeof want - 1) != 0) return 0;
    ct += sizeof want - 1;
    /* "application/jsonp" or "application/json-seq" are other types. */
    while (*ct == ' ' || *ct == '\t') ct++;
    return *ct == '\0' || *ct == ';';
}

static int bad(const char **reason, const char *why)
{
    *reason = why;
    return -1;
}

int json_get_string(const json_t *o, const char *name, int required, const char *def,
                    arena_t *a, const char **out, const char **reason)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        *out = def;
        return required ? bad(reason, "required") : 0;
    }
    if (!json_is_string(v)) return bad(reason, "wrong_type");
    /* Copied: the body is released long before the request ends. */
    *out = arena_strndup(a, json_string_value(v), json_string_length(v));
    return *out ? 0 : bad(reason, "no_memory");
}

int json_get_int(const json_t *o, const char *name, int def, int min, int max, int *out, const char **reason)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_integer(v)) return bad(reason, "wrong_type");
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) return bad(reason, "out_of_range");
    *out = (int)n;
    return 0;
}

int json_get_bool(const json_t *o, const char *name, int def, int *out, const char **reason)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_boolean(v)) return bad(reason, "wrong_type");
    *out = json_is_true(v);
    return 0;
}

int json_get_csv(const json_t *o, const char *name, size_t max_items, arena_t *a,
                 const char **out, const char **reason)
{
    json_t *v = json_object_get(o, name);
    *out = "";
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v)) return bad(reason, "wrong_type");
    if (json_array_size(v) > max_items) return bad(reason, "out_of_range");
    size_t len = 1, i;
    json_t *item;
    json_array_foreach(v, i, item) {
        /* A comma inside an item would split it into two in the list form. */
        if (!json_is_string(item) || json_string_length(item) == 0 || strchr(json_string_value(item), ','))
            return bad(reason, "wrong_type");
        len += json_string_length(item) + 1;
    }
    char *buf = arena_alloc(a, len), *p = buf;
    if (!buf) return bad(reason, "no_memory");
    json_array_foreach(v, i, item) {
        if (p != buf) *p++ = ',';
        memcpy(p, json_string_value(item), json_string_length(item));
        p += json_string_length(item);
    }
    *p = '\0';
    *out = buf;
    return 0;
}
