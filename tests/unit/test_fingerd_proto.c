/* Unit tests for lib/fpproto.c and lib/fptemplate.c, fingerd's pure parts
 * (docs/fingerd.md §2-§4): finger names both ways, every request member
 * accepted and refused (with the id kept for the reply), match id shapes,
 * the binding header byte for byte, and sealed templates opened only with
 * the right key and only for the row they were sealed for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fpproto.h"
#include "fptemplate.h"
#include "secret.h"

static const char *const fingers[] = {
    "right-thumb", "right-index", "right-middle", "right-ring", "right-little",
    "left-thumb",  "left-index",  "left-middle",  "left-ring",  "left-little",
};

static void finger_names_both_ways(void **state)
{
    for (int i = 1; i <= 10; i++) {
        assert_string_equal(fpp_finger_name(i), fingers[i - 1]);
        assert_int_equal(fpp_finger_index(fingers[i - 1]), i);
    }
    assert_null(fpp_finger_name(0));
    assert_null(fpp_finger_name(11));
    assert_null(fpp_finger_name(-1));
    assert_int_equal(fpp_finger_index(NULL), 0);
    assert_int_equal(fpp_finger_index(""), 0);
    assert_int_equal(fpp_finger_index("Right-Thumb"), 0);
    assert_int_equal(fpp_finger_index("right-thumb "), 0);
    assert_int_equal(fpp_finger_index("thumb"), 0);
}

/* Parses text, which must be accepted. */
static fpp_request_t ok(const char *text)
{
    fpp_request_t r;
    char err[256] = "";
    int rc = fpp_parse(text, strlen(text), &r, err, sizeof err);
    if (rc != 0) fail_msg("refused %s: %s", text, err);
    return r;
}

/* Parses text, which must be refused with a message containing says;
 * returns the request for its id. */
static fpp_request_t refused(const char *text, const char *says)
{
    fpp_request_t r;
    char err[256] = "";
    assert_int_equal(fpp_parse(text, strlen(text), &r, err, sizeof err), -1);
    if (!strstr(err, says)) fail_msg("%s: \"%s\" does not say \"%s\"", text, err, says);
    return r;
}

static void requests_accepted(void **state)
{
    fpp_request_t r = ok("{\"op\":\"status\"}");
    assert_int_equal(r.op, FPP_STATUS);
    assert_false(r.has_id);

    r = ok("{\"id\":\"a b\\u00e9\",\"op\":\"enroll\",\"customer\":42,\"finger\":\"left-ring\"}");
    assert_int_equal(r.op, FPP_ENROLL);
    assert_true(r.has_id);
    assert_string_equal(r.id, "a b\xc3\xa9");
    assert_int_equal(r.customer, 42);
    assert_int_equal(r.finger, 9);

    r = ok(" {\"op\":\"verify\",\"customer\":9223372036854775807}\r");
    assert_int_equal(r.op, FPP_VERIFY);
    assert_true(r.customer == INT64_MAX);

    r = ok("{\"op\":\"identify\",\"id\":\"x\"}");
    assert_int_equal(r.op, FPP_IDENTIFY);
    r = ok("{\"op\":\"cancel\"}");
    assert_int_equal(r.op, FPP_CANCEL);
    r = ok("{\"op\":\"match\",\"match_id\":\"mAbcdefghijklmnopqrs-_9\"}");
    assert_int_equal(r.op, FPP_MATCH);
    assert_string_equal(r.match_id, "mAbcdefghijklmnopqrs-_9");

    char id64[100];
    snprintf(id64, sizeof id64, "{\"op\":\"status\",\"id\":\"%064d\"}", 7);
    r = ok(id64);
    assert_int_equal(strlen(r.id), 64);

    assert_true(fpp_op_uses_reader(FPP_ENROLL) && fpp_op_uses_reader(FPP_VERIFY) && fpp_op_uses_reader(FPP_IDENTIFY));
    assert_false(fpp_op_uses_reader(FPP_STATUS) || fpp_op_uses_reader(FPP_CANCEL) || fpp_op_uses_reader(FPP_MATCH));
    assert_string_equal(fpp_op_name(FPP_IDENTIFY), "identify");
}

static void requests_refused(void **state)
{
    refused("", "not JSON");
    refused("{\"op\":\"status\"", "not JSON");
    refused("{\"op\":\"status\"} {}", "not JSON");
    refused("[]", "a request is a JSON object");
    refused("\"status\"", "a request is a JSON object");
    refused("null", "a request is a JSON object");
    refused("{}", "op must be one of");
    refused("{\"op\":null}", "op must be one of");
    refused("{\"op\":\"STATUS\"}", "op must be one of");
    refused("{\"op\":\"status\",\"op\":\"status\"}", "not JSON");
    refused("{\"op\":\"status\",\"id\":\"a\\u0000b\"}", "not JSON");
    refused("{\"op\":\"verify\",\"customer\":9223372036854775808}", "out of range");
    refused("{\"op\":\"verify\",\"customer\":-9223372036854775809}", "out of range");

    /* The id is refused by itself, so no reply carries it. */
    fpp_request_t r = refused("{\"op\":\"status\",\"id\":\"\"}", "id must be");
    assert_false(r.has_id);
    char id65[100];
    snprintf(id65, sizeof id65, "{\"op\":\"status\",\"id\":\"%065d\"}", 7);
    r = refused(id65, "id must be");
    assert_false(r.has_id);
    r = refused("{\"op\":\"status\",\"id\":5}", "id must be");
    assert_false(r.has_id);

    /* Any other refusal keeps a valid id for the reply. */
    static const struct { const char *text, *says; } cases[] = {
        { "{\"id\":\"k\",\"op\":\"open\"}", "op must be one of" },
        { "{\"id\":\"k\",\"op\":\"status\",\"customer\":1}", "status takes no member \"customer\"" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":1,\"finger\":\"left-ring\"}", "verify takes no member \"finger\"" },
        { "{\"id\":\"k\",\"op\":\"verify\"}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":null}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":0}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":-1}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":2.0}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":\"2\"}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"verify\",\"customer\":false}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"enroll\",\"customer\":3}", "finger must be one of" },
        { "{\"id\":\"k\",\"op\":\"enroll\",\"customer\":3,\"finger\":1}", "finger must be one of" },
        { "{\"id\":\"k\",\"op\":\"enroll\",\"customer\":3,\"finger\":\"index\"}", "finger must be one of" },
        { "{\"id\":\"k\",\"op\":\"enroll\",\"finger\":\"left-ring\"}", "customer must be a positive integer" },
        { "{\"id\":\"k\",\"op\":\"match\"}", "match_id must be" },
        { "{\"id\":\"k\",\"op\":\"match\",\"match_id\":\"m\"}", "match_id must be" },
        { "{\"id\":\"k\",\"op\":\"match\",\"match_id\":\"xAbcdefghijklmnopqrs-_9\"}", "match_id must be" },
        { "{\"id\":\"k\",\"op\":\"match\",\"match_id\":\"mAbcdefghijklmnopqrs+/9\"}", "match_id must be" },
        { "{\"id\":\"k\",\"op\":\"match\",\"match_id\":\"mAbcdefghijklmnopqrs-_90\"}", "match_id must be" },
        { "{\"id\":\"k\",\"op\":\"identify\",\"x\":{}}", "identify takes no member \"x\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = refused(cases[i].text, cases[i].says);
        assert_true(r.has_id);
        assert_string_equal(r.id, "k");
    }
}

static void line_limit(void **state)
{
    size_t n = FPP_LINE_MAX + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    static const char head[] = "{\"op\":\"status\"}";
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, ' ', n - (sizeof head - 1));
    fpp_request_t r;
    char err[256];
    assert_int_equal(fpp_parse(big, FPP_LINE_MAX, &r, err, sizeof err), 0);   /* exactly the limit */
    assert_int_equal(fpp_parse(big, n, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most 65536 bytes"));
    free(big);
}

static void match_id_shape(void **state)
{
    char token[FPP_MATCH_ID_LEN + 1];
    for (int i = 0; i < 200; i++) {
        token[0] = 'm';
        secret_token(token + 1, sizeof token - 1, 16);
        assert_int_equal(strlen(token), FPP_MATCH_ID_LEN);
        assert_true(fpp_match_id_valid(token));
    }
    assert_false(fpp_match_id_valid(NULL));
    assert_false(fpp_match_id_valid(""));
    assert_false(fpp_match_id_valid("m"));
    assert_false(fpp_match_id_valid("m=bcdefghijklmnopqrs-_9"));
}

static void binding_header_bytes(void **state)
{
    uint8_t h[FPT_HEADER_LEN];
    fpt_header_build(h, 0x0102030405060708LL, 9, 10);
    static const uint8_t want[FPT_HEADER_LEN] = {
        'S', 'R', 'F', 'P', '1', 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9, 10,
    };
    assert_memory_equal(h, want, sizeof want);

    uint8_t plain[FPT_HEADER_LEN + 3];
    memcpy(plain, h, sizeof h);
    static const uint8_t print[3] = { 'F', 'P', '3' };
    memcpy(plain + sizeof h, print, sizeof print);
    assert_true(fpt_header_matches(plain, sizeof plain, 0x0102030405060708LL, 9, 10));
    assert_false(fpt_header_matches(plain, sizeof plain, 0x0102030405060709LL, 9, 10));
    assert_false(fpt_header_matches(plain, sizeof plain, 0x0102030405060708LL, 8, 10));
    assert_false(fpt_header_matches(plain, sizeof plain, 0x0102030405060708LL, 9, 1));
    assert_false(fpt_header_matches(plain, FPT_HEADER_LEN, 0x0102030405060708LL, 9, 10));   /* no print */
    plain[0] = 'X';
    assert_false(fpt_header_matches(plain, sizeof plain, 0x0102030405060708LL, 9, 10));
}

static void seal_and_open(void **state)
{
    uint8_t key[SECRET_KEY_LEN], other[SECRET_KEY_LEN];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    static const char print[] = "FP3 a serialised print";
    size_t len = fpt_sealed_len(sizeof print);
    assert_int_equal(len, 24 + 16 + FPT_HEADER_LEN + sizeof print);
    uint8_t *box = malloc(len), *again = malloc(len);
    assert_non_null(box);
    assert_non_null(again);
    assert_int_equal(fpt_seal(box, key, 3, 1234, 2, print, sizeof print), FPT_OK);
    assert_int_equal(fpt_seal(again, key, 3, 1234, 2, print, sizeof print), FPT_OK);
    assert_memory_not_equal(box, again, len);                  /* a fresh nonce each time */
    assert_null(memmem(box, len, "serialised", 10));           /* nothing in the clear */

    uint8_t *out;
    size_t out_len;
    assert_int_equal(fpt_open(box, len, key, 3, 1234, 2, &out, &out_len), FPT_OK);
    assert_int_equal(out_len, sizeof print);
    assert_memory_equal(out, print, sizeof print);
    fpt_free_print(out, out_len);

    /* Bound to its row: another site, customer or finger is refused. */
    assert_int_equal(fpt_open(box, len, key, 4, 1234, 2, &out, &out_len), FPT_ERR_BINDING);
    assert_null(out);
    assert_int_equal(fpt_open(box, len, key, 3, 1235, 2, &out, &out_len), FPT_ERR_BINDING);
    assert_int_equal(fpt_open(box, len, key, 3, 1234, 7, &out, &out_len), FPT_ERR_BINDING);
    /* Another key, a flipped bit, a short box. */
    assert_int_equal(fpt_open(box, len, other, 3, 1234, 2, &out, &out_len), FPT_ERR_BOX);
    box[len - 1] ^= 1;
    assert_int_equal(fpt_open(box, len, key, 3, 1234, 2, &out, &out_len), FPT_ERR_BOX);
    assert_int_equal(fpt_open(box, 40, key, 3, 1234, 2, &out, &out_len), FPT_ERR_BOX);
    assert_int_equal(fpt_open(box, 0, key, 3, 1234, 2, &out, &out_len), FPT_ERR_BOX);
    free(box);
    free(again);
}

int main(void)
{
    if (secret_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finger_names_both_ways),
        cmocka_unit_test(requests_accepted),
        cmocka_unit_test(requests_refused),
        cmocka_unit_test(line_limit),
        cmocka_unit_test(match_id_shape),
        cmocka_unit_test(binding_header_bytes),
        cmocka_unit_test(seal_and_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
