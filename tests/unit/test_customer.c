/* Unit tests for customer_validate (lib/customer.c): the rules every
 * screen that takes a customer's details shares. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "customer.h"

#define TODAY "2026-11-23"

static customer_t good(void)
{
    return (customer_t){
        .site_id = 1, .full_name = "Анна Шмидт", .date_of_birth = "1980-05-17", .doc_type = "passport",
        .doc_number = "C01X00T47", .doc_expiry = "2031-01-31", .address = "", .phone = "+49 30 1234567",
        .email = "", .nominee_name = "", .nominee_relation = "", .nominee_phone = "", .co_holder_name = "",
        .language = "ru", .payment_preference = "yearly", .notes = "",
    };
}

static void expect(const customer_t *c, const char *field, const char *code)
{
    inv_error_t err = { 0 };
    int rc = customer_validate(c, TODAY, &err);
    if (!field) {
        if (rc != 0) fail_msg("refused: %s/%s", err.field, err.code);
        return;
    }
    assert_int_equal(rc, -1);
    assert_string_equal(err.field, field);
    assert_string_equal(err.code, code);
}

static void a_good_customer_passes(void **state)
{
    customer_t c = good();
    expect(&c, NULL, NULL);
    c.language = "";            /* defaults apply */
    c.payment_preference = NULL;
    c.address = NULL;
    c.notes = "Line one\nLine two\tindented";
    expect(&c, NULL, NULL);
}

static void age_is_at_least_18_on_the_sites_today(void **state)
{
    customer_t c = good();
    c.date_of_birth = "2008-11-23";     /* 18 today */
    expect(&c, NULL, NULL);
    c.date_of_birth = "2008-11-24";     /* 18 tomorrow */
    expect(&c, "date_of_birth", "too_young");
    c.date_of_birth = "2008-02-29";     /* leap-day birthdays: 18 already */
    expect(&c, NULL, NULL);
    c.date_of_birth = "2026-11-24";     /* not born yet */
    expect(&c, "date_of_birth", "date_invalid");
    c.date_of_birth = "1899-12-31";
    expect(&c, "date_of_birth", "date_invalid");
    c.date_of_birth = "1980-02-30";
    expect(&c, "date_of_birth", "date_invalid");
    c.date_of_birth = "";
    expect(&c, "date_of_birth", "required");
}

static void document_rules(void **state)
{
    customer_t c = good();
    c.doc_expiry = TODAY;               /* valid through today */
    expect(&c, NULL, NULL);
    c.doc_expiry = "2026-11-22";
    expect(&c, "doc_expiry", "doc_expired");
    c = good();
    c.doc_type = "visa";
    expect(&c, "doc_type", "doc_type_invalid");
    c = good();
    c.doc_number = "12 3";
    expect(&c, "doc_number", "doc_invalid");
    c.doc_number = "<script>";
    expect(&c, "doc_number", "doc_invalid");
    c.doc_number = NULL;
    expect(&c, "doc_number", "required");
}

static void contact_rule(void **state)
{
    customer_t c = good();
    c.phone = "";
    c.email = "";
    expect(&c, "phone", "contact_required");
    c.email = "anna@example.com";
    expect(&c, NULL, NULL);
    c.email = "anna@";
    expect(&c, "email", "email_invalid");
    c.email = "";
    c.phone = "12ab";
    expect(&c, "phone", "phone_invalid");
}

static void other_fields(void **state)
{
    customer_t c = good();
    c.full_name = "Robert'); DROP TABLE customers;--";
    expect(&c, "full_name", "name_invalid");
    c = good();
    c.nominee_name = "B0b";
    expect(&c, "nominee_name", "name_invalid");
    c = good();
    c.nominee_phone = "x";
    expect(&c, "nominee_phone", "phone_invalid");
    c = good();
    c.co_holder_name = "<b>Bob</b>";
    expect(&c, "co_holder_name", "name_invalid");
    c = good();
    c.language = "RU";
    expect(&c, "language", "language_invalid");
    c = good();
    c.payment_preference = "weekly";
    expect(&c, "payment_preference", "payment_preference_invalid");
    c = good();
    c.address = "a\x1b[2Jb";
    expect(&c, "address", "invalid");
    c = good();
    c.notes = "ok\x07";
    expect(&c, "notes", "invalid");
    char longtext[1100];
    memset(longtext, 'x', 1001);
    longtext[1001] = '\0';
    c = good();
    c.notes = longtext;
    expect(&c, "notes", "too_long");
    longtext[256] = '\0';
    c = good();
    c.address = longtext;
    expect(&c, "address", "too_long");
}

/* Message preferences are 0 or 1 when given; not given, nothing is checked
 * (lib/customer keeps the defaults or the stored choices). */
static void notify_preferences(void **state)
{
    customer_t c = good();
    c.notify_sms = 7;
    expect(&c, NULL, NULL);
    c.notify_given = 1;
    expect(&c, "notify_sms", "invalid");
    c.notify_sms = 0;
    c.notify_email = -1;
    expect(&c, "notify_email", "invalid");
    c.notify_email = 1;
    c.notify_optout = 2;
    expect(&c, "notify_optout", "invalid");
    c.notify_optout = 1;
    expect(&c, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_customer_passes),
        cmocka_unit_test(age_is_at_least_18_on_the_sites_today),
        cmocka_unit_test(document_rules),
        cmocka_unit_test(contact_rule),
        cmocka_unit_test(other_fields),
        cmocka_unit_test(notify_preferences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
