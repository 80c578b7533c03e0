/* Unit tests for lib/json.c: problem documents, rows as objects, the
 * media type check and typed members of request bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

static void problem_members(void **state)
{
    (void)state;
    json_t *p = json_problem_new(404, "not_found", NULL);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "urn:strongroom:problem:not_found");
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Not Found");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
    assert_string_equal(json_string_value(json_object_get(p, "code")), "not_found");
    /* Absent, not null, when there is nothing to say. */
    assert_null(json_object_get(p, "detail"));
    assert_null(json_object_get(p, "field"));
    assert_null(json_object_get(p, "reason"));
    assert_int_equal(json_object_size(p), 4);
    json_decref(p);

    p = json_problem_at(json_problem_new(422, "validation_failed", "size: Unknown size."), "size", "bad_size");
    assert_string_equal(json_string_value(json_object_get(p, "detail")), "size: Unknown size.");
    assert_string_equal(json_string_value(json_object_get(p, "field")), "size");
    assert_string_equal(json_string_value(json_object_get(p, "reason")), "bad_size");
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Unprocessable Content");
    json_decref(p);

    /* A missing code still makes a well-formed document. */
    p = json_problem_new(500, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(p, "code")), "internal");
    json_decref(p);
}

static const char *header(const web_req_t *r, const char *name, int *count)
{
    const char *v = NULL;
    *count = 0;
    for (const web_header_t *h = r->headers; h; h = h->next)
        if (!strcmp(h->name, name)) { v = h->value; (*count)++; }
    return v;
}

static void problem_replaces_the_response(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    web_req_t r = { .arena = a, .status = 200 };
    /* A handler had started a document before things went wrong. */
    assert_int_equal(json_send(&r, 200, parse("{\"half\": true}")), 0);
    json_send_problem(&r, json_problem_new(503, "database_unavailable", "later"));
    int n;
    assert_int_equal(r.status, 503);
    assert_string_equal(header(&r, "Content-Type", &n), "application/problem+json");
    assert_int_equal(n, 1);
    json_t *body = parse(r.out);
    assert_string_equal(json_string_value(json_object_get(body, "code")), "database_unavailable");
    assert_null(json_object_get(body, "half"));
    json_decref(body);

    web_req_t ok = { .arena = a, .status = 200 };
    assert_int_equal(json_send(&ok, 201, parse("{\"id\": 7, \"name\": \"<b>\\u00e9\"}")), 0);
    assert_int_equal(ok.status, 201);
    assert_string_equal(header(&ok, "Content-Type", &n), "application/json");
    assert_string_equal(ok.out, "{\"id\":7,\"name\":\"<b>\xc3\xa9\"}");
    free(r.out);
    free(ok.out);
    arena_free(a);
}

static void rows_are_typed(void **state)
{
    (void)state;
    const char *names[] = { "id", "name", "open", "features", "at", "secret", "note" };
    char *cells[] = { "42", "Wall 'A'", "0", "charging,heated", "2026-01-02 03:04:05.123456", "x", NULL,
                      "9223372036854775807", "", "1", "", "2026-12-31 23:59:59", "y", "n" };
    db_res_t res = { .nrows = 2, .ncols = 7, .names = names, .cells = cells };
    json_t *o = json_row(&res, 0, "isbltxs");
    assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
    assert_true(json_is_integer(json_object_get(o, "id")));
    assert_string_equal(json_string_value(json_object_get(o, "name")), "Wall 'A'");
    assert_true(json_is_false(json_object_get(o, "open")));
    json_t *f = json_object_get(o, "features");
    assert_int_equal(json_array_size(f), 2);
    assert_string_equal(json_string_value(json_array_get(f, 1)), "heated");
    assert_string_equal(json_string_value(json_object_get(o, "at")), "2026-01-02T03:04:05Z");
    assert_true(json_is_null(json_object_get(o, "note")));      /* SQL NULL is null, not "" */
    json_decref(o);

    /* '-' leaves a column out; columns past the types are left out too. */
    o = json_row(&res, 1, "is-l-");
    assert_int_equal(json_integer_value(json_object_get(o, "id")), INT64_MAX);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "");
    assert_null(json_object_get(o, "open"));
    assert_int_equal(json_array_size(json_object_get(o, "features")), 0);   /* empty SET: [] */
    assert_null(json_object_get(o, "note"));
    assert_int_equal(json_object_size(o), 3);
    json_decref(o);

    json_t *all = json_rows(&res, "i");
    assert_int_equal(json_array_size(all), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 0), "id")), 42);
    json_decref(all);
}

static void media_types(void **state)
{
    (void)state;
    assert_true(json_media_type_ok("application/json"));
    assert_true(json_media_type_ok("application/json; charset=utf-8"));
    assert_true(json_media_type_ok("Application/JSON;charset=UTF-8"));
    assert_false(json_media_type_ok(NULL));
    assert_false(json_media_type_ok(""));
    assert_false(json_media_type_ok("application/jsonp"));
    assert_false(json_media_type_ok("application/json-seq"));
    assert_false(json_media_type_ok("text/json"));
    assert_false(json_media_type_ok("application/x-www-form-urlencoded"));
    assert_false(json_media_type_ok("multipart/form-data; boundary=application/json"));
}

static void typed_members(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    json_t *o = parse("{\"s\": \"t\\u00e9xt\", \"n\": 12, \"big\": 10000000000, \"f\": 1.5, \"b\": true,"
                      " \"z\": null, \"l\": [\"en\", \"ru\"], \"bad\": [\"a,b\"], \"empty\": [\"\"], \"mixed\": [\"a\", 1]}");
    const char *s, *why = NULL;
    int n;

    assert_int_equal(json_get_string(o, "s", 1, NULL, a, &s, &why), 0);
    assert_string_equal(s, "t\xc3\xa9xt");
    assert_int_equal(json_get_string(o, "missing", 0, "dflt", a, &s, &why), 0);
    assert_string_equal(s, "dflt");
    assert_int_equal(json_get_string(o, "z", 1, NULL, a, &s, &why), -1);
    assert_string_equal(why, "required");
    assert_int_equal(json_get_string(o, "n", 1, NULL, a, &s, &why), -1);
    assert_string_equal(why, "wrong_type");

    assert_int_equal(json_get_int(o, "n", 0, -100, 100, &n, &why), 0);
    assert_int_equal(n, 12);
    assert_int_equal(json_get_int(o, "missing", 6, -100, 100, &n, &why), 0);
    assert_int_equal(n, 6);
    assert_int_equal(json_get_int(o, "big", 0, -100, 100, &n, &why), -1);
    assert_string_equal(why, "out_of_range");
    assert_int_equal(json_get_int(o, "f", 0, -100, 100, &n, &why), -1);
    assert_string_equal(why, "wrong_type");
    assert_int_equal(json_get_int(o, "s", 0, -100, 100, &n, &why), -1);
    assert_string_equal(why, "wrong_type");

    assert_int_equal(json_get_bool(o, "b", 0, &n, &why), 0);
    assert_int_equal(n, 1);
    assert_int_equal(json_get_bool(o, "z", 0, &n, &why), 0);
    assert_int_equal(n, 0);
    assert_int_equal(json_get_bool(o, "n", 0, &n, &why), -1);     /* 12 is not true */
    assert_string_equal(why, "wrong_type");
    assert_int_equal(json_get_bool(NULL, "b", 1, &n, &why), 0);   /* no object at all: the default */
    assert_int_equal(n, 1);

    assert_int_equal(json_get_csv(o, "l", 4, a, &s, &why), 0);
    assert_string_equal(s, "en,ru");
    assert_int_equal(json_get_csv(o, "missing", 4, a, &s, &why), 0);
    assert_string_equal(s, "");
    assert_int_equal(json_get_csv(o, "l", 1, a, &s, &why), -1);
    assert_string_equal(why, "out_of_range");
    assert_int_equal(json_get_csv(o, "bad", 4, a, &s, &why), -1);   /* would split into two */
    assert_string_equal(why, "wrong_type");
    assert_int_equal(json_get_csv(o, "empty", 4, a, &s, &why), -1);
    assert_int_equal(json_get_csv(o, "mixed", 4, a, &s, &why), -1);
    assert_int_equal(json_get_csv(o, "s", 4, a, &s, &why), -1);
    assert_string_equal(why, "wrong_type");

    /* Strings outlive the document they came from. */
    assert_int_equal(json_get_string(o, "s", 1, NULL, a, &s, &why), 0);
    json_decref(o);
    assert_string_equal(s, "t\xc3\xa9xt");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(problem_members),
        cmocka_unit_test(problem_replaces_the_response),
        cmocka_unit_test(rows_are_typed),
        cmocka_unit_test(media_types),
        cmocka_unit_test(typed_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
