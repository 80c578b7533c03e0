/* Unit tests for the pure parts of lib/visit.c: what a check-in needs
 * before the database is asked, and how a stay is printed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "visit.h"

static int check(const char *by, const char *reason, const char *ref, inv_error_t *err)
{
    visit_start_t v = { .site_id = 1, .contract_id = 2, .verified_by = by, .override_reason = reason,
                        .verification_ref = ref, .staff_user_id = 3, .override_approved_by = 4 };
    memset(err, 0, sizeof *err);
    return visit_validate_start(&v, err);
}

static int approved(int64_t staff, int64_t approver, inv_error_t *err)
{
    visit_start_t v = { .site_id = 1, .contract_id = 2, .verified_by = "staff_override", .override_reason = "lost card",
                        .staff_user_id = staff, .override_approved_by = approver };
    memset(err, 0, sizeof *err);
    return visit_validate_start(&v, err);
}

/* A staff member's override needs a second, different person; an
 * integration's (no staff member) carries none. */
static void override_needs_a_second_person(void **state)
{
    (void)state;
    inv_error_t err;
    assert_int_equal(approved(3, 4, &err), 0);
    assert_int_equal(approved(3, 0, &err), -1);
    assert_string_equal(err.field, "approver");
    assert_string_equal(err.code, "override_approval");
    assert_int_equal(approved(3, 3, &err), -1);          /* nobody approves their own override */
    assert_string_equal(err.code, "override_approval");
    assert_int_equal(approved(3, -1, &err), -1);
    assert_int_equal(approved(0, 0, &err), 0);
}

static void override_needs_a_reason(void **state)
{
    (void)state;
    inv_error_t err;
    assert_int_equal(check("staff_override", "customer forgot the card", NULL, &err), 0);
    assert_int_equal(check("staff_override", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "override_reason");
    assert_string_equal(err.code, "override_reason");
    assert_int_equal(check("staff_override", "", NULL, &err), -1);
    assert_string_equal(err.code, "override_reason");
    assert_int_equal(check("staff_override", " \t\r\n ", NULL, &err), -1);   /* blank is no reason */
    assert_string_equal(err.code, "override_reason");
}

static void override_reason_is_counted_in_characters(void **state)
{
    (void)state;
    inv_error_t err;
    char reason[VISIT_REASON_MAX * 2 + 3];
    /* 500 two-byte characters fit the column; 501 do not. */
    for (int i = 0; i < VISIT_REASON_MAX; i++) memcpy(reason + 2 * i, "\xd1\x8f", 2);
    reason[2 * VISIT_REASON_MAX] = '\0';
    assert_int_equal(check("staff_override", reason, NULL, &err), 0);
    memcpy(reason + 2 * VISIT_REASON_MAX, "\xd1\x8f", 3);
    assert_int_equal(check("staff_override", reason, NULL, &err), -1);
    assert_string_equal(err.field, "override_reason");
    assert_string_equal(err.code, "too_long");
}

static void fingerprint_needs_a_reference(void **state)
{
    (void)state;
    inv_error_t err;
    assert_int_equal(check("fingerprint", NULL, "match-7f3a9c", &err), 0);
    assert_int_equal(check("fingerprint", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "verification_ref");
    assert_string_equal(err.code, "verification_ref");
    assert_int_equal(check("fingerprint", NULL, "", &err), -1);
    assert_int_equal(check("fingerprint", NULL, "two words", &err), -1);
    assert_int_equal(check("fingerprint", NULL, "caf\xc3\xa9", &err), -1);
    char ref[VISIT_REF_MAX + 2];
    memset(ref, 'a', VISIT_REF_MAX);
    ref[VISIT_REF_MAX] = '\0';
    assert_int_equal(check("fingerprint", NULL, ref, &err), 0);
    ref[VISIT_REF_MAX] = 'a';
    ref[VISIT_REF_MAX + 1] = '\0';
    assert_int_equal(check("fingerprint", NULL, ref, &err), -1);
    /* A fingerprint visit needs no reason. */
    assert_int_equal(check("fingerprint", "", "m1", &err), 0);
}

static void unknown_verifier_is_refused(void **state)
{
    (void)state;
    inv_error_t err;
    assert_int_equal(check(NULL, "x", "y", &err), -1);
    assert_string_equal(err.field, "verified_by");
    assert_int_equal(check("", "x", "y", &err), -1);
    assert_int_equal(check("STAFF_OVERRIDE", "x", NULL, &err), -1);
    assert_int_equal(check("face", "x", "y", &err), -1);
    assert_string_equal(err.code, "invalid");
}

static const char *dur(int64_t s)
{
    static char out[32];
    visit_format_duration(s, out, sizeof out);
    return out;
}

static void durations(void **state)
{
    (void)state;
    assert_string_equal(dur(0), "0:00:00");
    assert_string_equal(dur(59), "0:00:59");
    assert_string_equal(dur(60), "0:01:00");
    assert_string_equal(dur(3599), "0:59:59");
    assert_string_equal(dur(3600), "1:00:00");
    assert_string_equal(dur(3 * 3600 + 4 * 60 + 5), "3:04:05");
    assert_string_equal(dur(26 * 3600 + 1), "26:00:01");   /* hours past a day */
    assert_string_equal(dur(-5), "0:00:00");               /* a skewed clock never prints negative */
    char tiny[4];
    visit_format_duration(3600, tiny, sizeof tiny);        /* truncated, still terminated */
    assert_int_equal(strlen(tiny), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(override_needs_a_reason),
        cmocka_unit_test(override_needs_a_second_person),
        cmocka_unit_test(override_reason_is_counted_in_characters),
        cmocka_unit_test(fingerprint_needs_a_reference),
        cmocka_unit_test(unknown_verifier_is_refused),
        cmocka_unit_test(durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
