/* Unit tests for the pure checks of lib/enrollment.c: each step's
 * problems (all of them at once, one per field), the shared customer
 * rules at the end of step 1, and the features list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "enrollment.h"

#define TODAY "2026-06-15"

static enrollment_t good(void)
{
    enrollment_t e = { 0 };
    e.c = (customer_t){ .site_id = 1, .full_name = "Anna Schmidt", .date_of_birth = "1980-05-17",
                        .doc_type = "passport", .doc_number = "C01X00T47", .doc_expiry = "2035-01-31",
                        .address = "12 Linden Road", .phone = "+49 30 1234567", .email = "anna@example.org",
                        .nominee_name = "", .nominee_relation = "", .nominee_phone = "", .co_holder_name = "",
                        .language = "en", .payment_preference = "monthly", .notes = "" };
    e.size_class = "M";
    e.features = "";
    e.consents[ENROLL_TERMS] = e.consents[ENROLL_PRIVACY] = 1;
    return e;
}

static int has(const inv_error_t *errs, int n, const char *field, const char *code)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(errs[i].field, field) && (!code || !strcmp(errs[i].code, code))) return 1;
    return 0;
}

static void a_good_request_passes_every_step(void **state)
{
    (void)state;
    enrollment_t e = good();
    inv_error_t errs[16];
    for (int step = 1; step <= ENROLL_STEPS; step++) assert_int_equal(enrollment_check(&e, step, TODAY, errs, 16), 0);
}

static void step1_reports_every_field_at_once(void **state)
{
    (void)state;
    enrollment_t e = good();
    e.c.full_name = "";
    e.c.date_of_birth = "1980-02-30";
    e.c.doc_type = "library_card";
    e.c.email = "nope";
    e.c.nominee_phone = "12";
    inv_error_t errs[16];
    int n = enrollment_check(&e, 1, TODAY, errs, 16);
    assert_int_equal(n, 5);
    assert_true(has(errs, n, "full_name", "required"));
    assert_true(has(errs, n, "date_of_birth", "date_invalid"));
    assert_true(has(errs, n, "doc_type", "doc_type_invalid"));
    assert_true(has(errs, n, "email", "email_invalid"));
    assert_true(has(errs, n, "nominee_phone", "phone_invalid"));
    /* Other steps are not looked at. */
    e = good();
    e.size_class = "";
    assert_int_equal(enrollment_check(&e, 1, TODAY, errs, 16), 0);
    /* At most max problems are reported. */
    e = good();
    e.c.full_name = e.c.date_of_birth = e.c.doc_number = "";
    assert_int_equal(enrollment_check(&e, 1, TODAY, errs, 2), 2);
}

static void step1_ends_with_the_shared_rules(void **state)
{
    (void)state;
    enrollment_t e = good();
    inv_error_t errs[16];
    e.c.date_of_birth = "2010-01-01";
    int n = enrollment_check(&e, 1, TODAY, errs, 16);
    assert_int_equal(n, 1);
    assert_true(has(errs, n, "date_of_birth", NULL));
    e = good();
    e.c.doc_expiry = "2026-06-14";
    n = enrollment_check(&e, 1, TODAY, errs, 16);
    assert_true(n == 1 && has(errs, n, "doc_expiry", NULL));
    e = good();
    e.c.phone = e.c.email = "";
    n = enrollment_check(&e, 1, TODAY, errs, 16);
    assert_true(n == 1 && (has(errs, n, "phone", NULL) || has(errs, n, "email", NULL)));
}

static void step2_and_step3(void **state)
{
    (void)state;
    inv_error_t errs[16];
    enrollment_t e = good();
    e.size_class = "XXL";
    e.c.payment_preference = "weekly";
    e.features = NULL;                 /* an unknown feature was sent */
    int n = enrollment_check(&e, 2, TODAY, errs, 16);
    assert_int_equal(n, 3);
    assert_true(has(errs, n, "size_class", "bad_size") && has(errs, n, "period", "period_invalid") &&
                has(errs, n, "features", "bad_features"));
    e = good();
    e.consents[ENROLL_TERMS] = 0;
    e.consents[ENROLL_PRIVACY] = 0;
    n = enrollment_check(&e, 3, TODAY, errs, 16);
    assert_int_equal(n, 2);
    assert_true(has(errs, n, "consent_terms", "consent_required") && has(errs, n, "consent_privacy", "consent_required"));
    /* Biometric and marketing are optional. */
    e = good();
    e.consents[ENROLL_BIOMETRIC] = e.consents[ENROLL_MARKETING] = 0;
    assert_int_equal(enrollment_check(&e, 3, TODAY, errs, 16), 0);
    /* The final check sees everything. */
    e = good();
    e.c.full_name = "";
    e.size_class = "";
    e.consents[ENROLL_PRIVACY] = 0;
    n = enrollment_check(&e, ENROLL_STEPS, TODAY, errs, 16);
    assert_int_equal(n, 3);
}

static void features_are_merged_ordered_and_checked(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    const char *one[] = { "heated" };
    assert_string_equal(enrollment_features(a, one, 1), "heated");
    const char *many[] = { "heated", "charging", "charging,accessible" };
    assert_string_equal(enrollment_features(a, many, 3), "charging,heated,accessible");
    const char *none[] = { "", "," };
    assert_string_equal(enrollment_features(a, none, 2), "");
    assert_string_equal(enrollment_features(a, NULL, 0), "");
    const char *bad[] = { "charging", "jacuzzi" };
    assert_null(enrollment_features(a, bad, 2));
    const char *sneaky[] = { "charging,<script>" };
    assert_null(enrollment_features(a, sneaky, 1));
    const char *prefix[] = { "charg" };
    assert_null(enrollment_features(a, prefix, 1));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_request_passes_every_step),
        cmocka_unit_test(step1_reports_every_field_at_once),
        cmocka_unit_test(step1_ends_with_the_shared_rules),
        cmocka_unit_test(step2_and_step3),
        cmocka_unit_test(features_are_merged_ordered_and_checked),
    };
    return cmocka_run_group_tests_name("enrollment", tests, NULL, NULL);
}
