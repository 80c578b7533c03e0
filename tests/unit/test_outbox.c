/* Unit tests for the pure parts of lib/outbox.c and lib/retry.c: what a
 * message must be to be put, recipients per channel, phone numbers as
 * stored, the state a delivery result leads to, and the back-off. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "outbox.h"
#include "retry.h"

static outbox_msg_t good(void)
{
    return (outbox_msg_t){ .site_id = 1, .customer_id = 2, .dedupe_key = "receipt:42", .kind = "receipt",
                           .channel = "sms", .recipient = "+49 30 1234567", .body_text = "Paid: 10.00 EUR" };
}

static void accepts_a_plain_message(void **state)
{
    (void)state;
    char err[160] = "";
    outbox_msg_t m = good();
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
    m.channel = "email";
    m.recipient = "anna@example.com";
    m.subject = "Ваш счёт";
    m.body_html = "<p>Здравствуйте</p>";
    m.language = "ru";
    m.not_before = "2030-01-31 23:59:00";
    m.max_attempts = 3;
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
    m.channel = "slack";
    m.recipient = "ops-alerts_2";
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
    m.channel = "teams";
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
}

#define REFUSED(field_prefix, ...) do { outbox_msg_t m_ = good(); __VA_ARGS__; char e_[160] = ""; \
    assert_int_equal(outbox_check(&m_, e_, sizeof e_), -1); \
    if (strncmp(e_, field_prefix, strlen(field_prefix))) fail_msg("expected \"%s...\", got \"%s\"", field_prefix, e_); \
} while (0)

static void refuses_what_does_not_fit(void **state)
{
    (void)state;
    char key161[162], key160[161], text[65537], subject[520];
    memset(key161, 'k', 161); key161[161] = '\0';
    memset(key160, 'k', 160); key160[160] = '\0';
    memset(text, 'x', 65536); text[65536] = '\0';
    /* 256 Cyrillic letters: 512 bytes, over the 255 characters of the column. */
    for (int i = 0; i < 256; i++) memcpy(subject + 2 * i, "я", 2);
    subject[512] = '\0';

    char none[80];
    assert_int_equal(outbox_check(NULL, none, sizeof none), -1);
    REFUSED("dedupe_key", m_.dedupe_key = NULL);
    REFUSED("dedupe_key", m_.dedupe_key = "");
    REFUSED("dedupe_key", m_.dedupe_key = key161);
    REFUSED("dedupe_key", m_.dedupe_key = "a\nb");
    REFUSED("kind", m_.kind = NULL);
    REFUSED("kind", m_.kind = "Due Soon");
    REFUSED("kind", m_.kind = "due_soon_and_much_longer_than_forty_characters");
    REFUSED("channel", m_.channel = "fax");
    REFUSED("channel", m_.channel = NULL);
    REFUSED("recipient: not a phone", m_.recipient = "call me");
    REFUSED("recipient: not a phone", m_.recipient = NULL);
    REFUSED("recipient: not an e-mail", m_.channel = "email"; m_.recipient = "anna");
    REFUSED("recipient: not an e-mail", m_.channel = "email"; m_.recipient = "anna@example.com\r\nBcc: x@y.z");
    REFUSED("recipient: not a webhook", m_.channel = "slack"; m_.recipient = "ops alerts");
    REFUSED("recipient: not a webhook", m_.channel = "teams"; m_.recipient = "ops.alerts");
    REFUSED("language", m_.language = "english!");
    REFUSED("subject", m_.subject = "Hello\r\nBcc: everyone@example.com");
    REFUSED("subject", m_.subject = subject);
    REFUSED("subject", m_.subject = "bad \xff utf-8");
    REFUSED("body_text", m_.body_text = NULL);
    REFUSED("body_text", m_.body_text = "");
    REFUSED("body_text", m_.body_text = text);
    REFUSED("body_text", m_.body_text = "bell \a");
    REFUSED("body_html", m_.body_html = "\xc3\x28");
    REFUSED("max_attempts", m_.max_attempts = -1);
    REFUSED("max_attempts", m_.max_attempts = 101);
    REFUSED("not_before", m_.not_before = "tomorrow");
    REFUSED("not_before", m_.not_before = "2030-01-31T23:59:00");
    REFUSED("site_id", m_.site_id = -5);

    /* The edges that fit. */
    char err[160];
    outbox_msg_t m = good();
    m.dedupe_key = key160;
    subject[510] = '\0';        /* 255 letters */
    m.subject = subject;
    m.body_text = "line one\r\nline two\ttab";
    text[65535] = '\0';
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
    m.body_text = text;
    assert_int_equal(outbox_check(&m, err, sizeof err), 0);
}

static void phone_numbers_are_stored_bare(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(outbox_phone_normalize("+49 (30) 123-45.67", out, sizeof out), 0);
    assert_string_equal(out, "+49301234567");
    assert_int_equal(outbox_phone_normalize("0301234567", out, sizeof out), 0);
    assert_string_equal(out, "0301234567");
    assert_int_equal(outbox_phone_normalize("+123456789012345", out, sizeof out), 0);
    assert_string_equal(out, "+123456789012345");
    assert_int_equal(outbox_phone_normalize("1234567", out, sizeof out), 0);
    const char *bad[] = { "", "123456", "+1234567890123456", "++4930123456", "49+30123456", "030 1234567a",
                          "tel:+4930123456", "+49 30 1234567; rm", "１２３４５６７", NULL };
    for (int i = 0; bad[i]; i++) {
        strcpy(out, "junk");
        if (outbox_phone_normalize(bad[i], out, sizeof out) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_string_equal(out, "");
    }
    assert_int_equal(outbox_phone_normalize(NULL, out, sizeof out), -1);
    /* Too small an output is a refusal, never a cut number. */
    char tiny[8];
    assert_int_equal(outbox_phone_normalize("+4930123456", tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "");
}

static void recipients_per_channel(void **state)
{
    (void)state;
    assert_true(outbox_recipient_ok("sms", "+7 (495) 123-45-67"));
    assert_false(outbox_recipient_ok("sms", "anna@example.com"));
    assert_true(outbox_recipient_ok("email", "o'brien+locker@mail.example.ie"));
    assert_false(outbox_recipient_ok("email", "+4930123456"));
    assert_false(outbox_recipient_ok("email", "анна@пример.рф"));
    assert_true(outbox_recipient_ok("slack", "ops"));
    assert_true(outbox_recipient_ok("teams", "Facilities-Team_1"));
    char name65[66];
    memset(name65, 'a', 65);
    name65[65] = '\0';
    assert_false(outbox_recipient_ok("slack", name65));
    name65[64] = '\0';
    assert_true(outbox_recipient_ok("slack", name65));
    assert_false(outbox_recipient_ok("slack", ""));
    assert_false(outbox_recipient_ok("slack", "https://hooks.example/x"));
    assert_false(outbox_recipient_ok("fax", "+4930123456"));
    assert_false(outbox_recipient_ok(NULL, "x"));
}

static void results_lead_to_states(void **state)
{
    (void)state;
    outbox_result_t r = { .id = 1, .attempts = 0, .max_attempts = 8 };
    r.outcome = OUTBOX_SENT;
    assert_string_equal(outbox_next_state(&r), "sent");
    r.outcome = OUTBOX_RETRY;
    assert_string_equal(outbox_next_state(&r), "pending");
    r.attempts = 6;                 /* this is the 7th of 8 */
    assert_string_equal(outbox_next_state(&r), "pending");
    r.attempts = 7;                 /* the 8th: the last */
    assert_string_equal(outbox_next_state(&r), "failed");
    r.attempts = 0;
    r.max_attempts = 1;
    assert_string_equal(outbox_next_state(&r), "failed");
    r.max_attempts = 8;
    r.outcome = OUTBOX_FAILED;      /* permanent: at once, whatever the attempts */
    assert_string_equal(outbox_next_state(&r), "failed");
    r.outcome = OUTBOX_UNKNOWN;     /* never retried by itself */
    assert_string_equal(outbox_next_state(&r), "unknown");
}

static void backoff_doubles_up_to_the_cap(void **state)
{
    (void)state;
    const long base = 30000, cap = 3600000;
    const long want[] = { 30000, 60000, 120000, 240000, 480000, 960000, 1920000, 3600000, 3600000 };
    for (int i = 0; i < 9; i++) assert_int_equal(retry_backoff_ms(i + 1, base, cap), want[i]);
    assert_int_equal(retry_backoff_ms(0, base, cap), base);
    assert_int_equal(retry_backoff_ms(-3, base, cap), base);
    /* Deterministic, and no overflow however far it goes. */
    assert_int_equal(retry_backoff_ms(1000, base, cap), cap);
    assert_int_equal(retry_backoff_ms(INT_MAX, base, cap), cap);
    assert_int_equal(retry_backoff_ms(200, LONG_MAX / 2, LONG_MAX), LONG_MAX);
    assert_int_equal(retry_backoff_ms(64, 1, LONG_MAX), LONG_MAX);
    assert_int_equal(retry_backoff_ms(3, 200, 100000), 800);
    /* Odd settings stay sane. */
    assert_int_equal(retry_backoff_ms(3, 0, cap), 0);
    assert_int_equal(retry_backoff_ms(1, 5000, 1000), 1000);
    assert_int_equal(retry_backoff_ms(2, 5000, -1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_a_plain_message),
        cmocka_unit_test(refuses_what_does_not_fit),
        cmocka_unit_test(phone_numbers_are_stored_bare),
        cmocka_unit_test(recipients_per_channel),
        cmocka_unit_test(results_lead_to_states),
        cmocka_unit_test(backoff_doubles_up_to_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
