/* Unit tests for lib/gateway.c: the SMS gateway's body template with
 * JSON and form escaping, the Slack and Teams payloads, the provider's id
 * in an answer, and what an HTTP status means. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <jansson.h>
#include "gateway.h"
#include "outbox.h"

static arena_t *A;

static int setup(void **state) { (void)state; A = arena_new(4096); return A ? 0 : -1; }
static int teardown(void **state) { (void)state; arena_free(A); return 0; }

static const char *tricky = "Say \"hi\"\\ & a=b+c\n\tПривет 100%\x01";

static void templates_are_checked(void **state)
{
    (void)state;
    char err[160];
    assert_int_equal(gateway_template_check("{\"to\":\"{to}\",\"text\":\"{text}\",\"ref\":\"{id}\"}", err, sizeof err), 0);
    assert_int_equal(gateway_template_check("to={to}&body={text}", err, sizeof err), 0);
    /* JSON's own braces and non-word braces are not placeholders. */
    assert_int_equal(gateway_template_check("{\"a\":{\"b\":\"{text}\"}, \"c\": {}}", err, sizeof err), 0);
    assert_int_equal(gateway_template_check("{\"to\":\"{phone}\"}", err, sizeof err), -1);
    assert_non_null(strstr(err, "{phone}"));
    assert_int_equal(gateway_template_check("", err, sizeof err), -1);
    assert_int_equal(gateway_template_check(NULL, err, sizeof err), -1);
}

static void json_bodies_escape_every_value(void **state)
{
    (void)state;
    const char *tmpl = "{\"to\":\"{to}\",\"text\":\"{text}\",\"ref\":\"{id}\",\"n\":1}";
    char *body = gateway_render(A, tmpl, GATEWAY_JSON, "+49301234567", tricky, "sr-7");
    assert_non_null(body);
    json_error_t e;
    json_t *j = json_loads(body, 0, &e);
    if (!j) fail_msg("not JSON: %s in %s", e.text, body);
    assert_string_equal(json_string_value(json_object_get(j, "text")), tricky);
    assert_string_equal(json_string_value(json_object_get(j, "to")), "+49301234567");
    assert_string_equal(json_string_value(json_object_get(j, "ref")), "sr-7");
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 1);
    json_decref(j);
    assert_string_equal(gateway_render(A, "\"{text}\"", GATEWAY_JSON, "", "a\"b\\c\nd\x01", ""),
                        "\"a\\\"b\\\\c\\nd\\u0001\"");
    /* A value cannot reach into the template: a "{to}" in the text stays text. */
    assert_string_equal(gateway_render(A, "{text}|{to}", GATEWAY_JSON, "X", "{to}", ""), "{to}|X");
}

static void form_bodies_percent_encode(void **state)
{
    (void)state;
    char *body = gateway_render(A, "to={to}&text={text}&ref={id}", GATEWAY_FORM, "+49301234567", "a b&c=d+é\n", "sr-7");
    assert_string_equal(body, "to=%2B49301234567&text=a+b%26c%3Dd%2B%C3%A9%0A&ref=sr-7");
    assert_string_equal(gateway_render(A, "x={text}", GATEWAY_FORM, "", "-._~AZaz09", ""), "x=-._~AZaz09");
}

static void slack_and_teams_payloads(void **state)
{
    (void)state;
    json_t *j = json_loads(gateway_slack_body(A, "Door <B-17> & alarm", "Opened at 02:14\n<@here>"), 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "*Door &lt;B-17&gt; &amp; alarm*\nOpened at 02:14\n&lt;@here&gt;");
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
    j = json_loads(gateway_slack_body(A, NULL, "Тревога: \"дверь\""), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "text")), "Тревога: \"дверь\"");
    json_decref(j);

    j = json_loads(gateway_teams_body(A, "Дверь открыта", "Ячейка B-17 <открыта>"), 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "@type")), "MessageCard");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Дверь открыта");
    assert_string_equal(json_string_value(json_object_get(j, "summary")), "Дверь открыта");
    assert_string_equal(json_string_value(json_object_get(j, "text")), "Ячейка B-17 <открыта>");
    json_decref(j);
    /* No subject: no title; the summary is the text's start, cut at a character. */
    char lng[400] = "";
    for (int i = 0; i < 100; i++) strcat(lng, "ж");
    j = json_loads(gateway_teams_body(A, "", lng), 0, NULL);
    assert_non_null(j);
    assert_null(json_object_get(j, "title"));
    assert_string_equal(json_string_value(json_object_get(j, "text")), lng);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "summary"))), 120);
    json_decref(j);
}

static void provider_ids_in_answers(void **state)
{
    (void)state;
    const char *a1 = "{\"message_id\":\"abc-1\",\"status\":\"queued\"}";
    assert_string_equal(gateway_answer_field(A, a1, strlen(a1), "message_id"), "abc-1");
    const char *a2 = "{\"data\":{\"id\":123456789012,\"to\":\"x\"}}";
    assert_string_equal(gateway_answer_field(A, a2, strlen(a2), "data.id"), "123456789012");
    assert_null(gateway_answer_field(A, a2, strlen(a2), "data.nothing"));
    assert_null(gateway_answer_field(A, a2, strlen(a2), "data"));             /* an object is not an id */
    assert_null(gateway_answer_field(A, a2, strlen(a2), "data..id"));
    assert_null(gateway_answer_field(A, "OK", 2, "message_id"));             /* not JSON */
    assert_null(gateway_answer_field(A, a1, strlen(a1), NULL));
    assert_null(gateway_answer_field(A, NULL, 0, "message_id"));
    const char *a3 = "[{\"id\":\"x\"}]";
    assert_null(gateway_answer_field(A, a3, strlen(a3), "id"));
}

static void statuses(void **state)
{
    (void)state;
    assert_int_equal(gateway_status_outcome(200), OUTBOX_SENT);
    assert_int_equal(gateway_status_outcome(202), OUTBOX_SENT);
    assert_int_equal(gateway_status_outcome(204), OUTBOX_SENT);
    assert_int_equal(gateway_status_outcome(408), OUTBOX_RETRY);
    assert_int_equal(gateway_status_outcome(429), OUTBOX_RETRY);
    assert_int_equal(gateway_status_outcome(500), OUTBOX_RETRY);
    assert_int_equal(gateway_status_outcome(503), OUTBOX_RETRY);
    assert_int_equal(gateway_status_outcome(400), OUTBOX_FAILED);
    assert_int_equal(gateway_status_outcome(401), OUTBOX_FAILED);
    assert_int_equal(gateway_status_outcome(404), OUTBOX_FAILED);
    assert_int_equal(gateway_status_outcome(422), OUTBOX_FAILED);
    assert_int_equal(gateway_status_outcome(301), OUTBOX_FAILED);
    assert_int_equal(gateway_status_outcome(0), OUTBOX_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_are_checked),
        cmocka_unit_test_setup_teardown(json_bodies_escape_every_value, setup, teardown),
        cmocka_unit_test_setup_teardown(form_bodies_percent_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(slack_and_teams_payloads, setup, teardown),
        cmocka_unit_test_setup_teardown(provider_ids_in_answers, setup, teardown),
        cmocka_unit_test(statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
