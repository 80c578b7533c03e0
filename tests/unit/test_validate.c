/* Unit tests for lib/validate.c: the field formats every screen shares. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "validate.h"

#define ALL_GOOD(fn, ...) do { const char *v_[] = { __VA_ARGS__, NULL }; \
    for (int i_ = 0; v_[i_]; i_++) if (!fn(v_[i_])) fail_msg("%s refused good \"%s\"", #fn, v_[i_]); } while (0)
#define ALL_BAD(fn, ...) do { const char *v_[] = { __VA_ARGS__, NULL }; \
    for (int i_ = 0; v_[i_]; i_++) if (fn(v_[i_])) fail_msg("%s accepted bad \"%s\"", #fn, v_[i_]); } while (0)

static void phones(void **state)
{
    ALL_GOOD(validate_phone, "+49 30 1234567", "+7 (495) 123-45-67", "0301234567", "1234567",
             "+1 (555) 123-4567", "(030) 1234567", "+123456789012345", "123-456-7890");
    ALL_BAD(validate_phone, "", "123456", "+1234567890123456", "++491234567", "12345 67a",
            "+49  301234567", "+49--301234567", "(030) (123) 4567", "(030 1234567", "030) 1234567",
            "-0301234567", "0301234567-", " 0301234567", "<script>alert(1)</script>",
            "1' OR '1'='1", "+7 495 123\n4567", "+7 495 123\t4567", "()1234567", "１２３４５６７");
    assert_false(validate_phone(NULL));
}

static void emails(void **state)
{
    ALL_GOOD(validate_email, "anna@example.com", "a.b+tag@mail.example.org", "x_y-z@sub-domain.example.co",
             "o'brien@example.ie", "1@a.de");
    ALL_BAD(validate_email, "", "anna", "anna@", "@example.com", "anna@example", "anna@@example.com",
            ".anna@example.com", "anna.@example.com", "an..na@example.com", "anna@-example.com",
            "anna@example-.com", "anna@exa mple.com", "anna @example.com", "анна@пример.рф",
            "<script>@example.com", "anna@example.com<script>", "a\"b@example.com", "anna@example..com",
            "anna@example.com\n", "x@y.z; DROP TABLE customers");
    char longlocal[80];
    memset(longlocal, 'a', 65);
    strcpy(longlocal + 65, "@example.com");
    assert_false(validate_email(longlocal));
    char longmail[220];
    memset(longmail, 'b', 60);
    longmail[60] = '@';
    for (int i = 0; i < 3; i++) { memset(longmail + 61 + i * 43, 'c', 42); longmail[61 + i * 43 + 42] = '.'; }
    strcpy(longmail + 61 + 3 * 43, "com");
    assert_true(strlen(longmail) > 190);
    assert_false(validate_email(longmail));
    assert_false(validate_email(NULL));
}

static void doc_types(void **state)
{
    ALL_GOOD(validate_doc_type, "passport", "national_id", "driving_licence", "residence_permit");
    ALL_BAD(validate_doc_type, "", "Passport", "passport ", "visa", "driving_license", "passport' --");
    assert_false(validate_doc_type(NULL));
}

static int doc_passport(const char *s) { return validate_doc_number("passport", s); }

static void doc_numbers(void **state)
{
    ALL_GOOD(doc_passport, "C01X00T47", "45 12 345678", "AB-123456", "12345", "ЛЮ 123456",
             "X1234567890123456789", "ab12c");
    ALL_BAD(doc_passport, "", "1234", "12 3", "----12345", "12345-", " 12345", "12345 ",
            "X12345678901234567890", "AB_123456", "AB/123456", "12345;", "<b>12345</b>",
            "1' OR '1'='1", "A-B-C", "12\n345");
    assert_false(validate_doc_number("visa", "123456"));
    assert_false(validate_doc_number(NULL, "123456"));
    assert_false(validate_doc_number("passport", NULL));
}

static void dates(void **state)
{
    ALL_GOOD(validate_date, "2026-01-31", "2024-02-29", "2000-02-29", "1999-12-31", "1000-01-01", "9999-12-31",
             "2026-04-30");
    ALL_BAD(validate_date, "", "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
            "2026-01-00", "2026-1-5", "26-01-05", "2026/01/05", "05.01.2026", "2026-01-05 ", "2026-01-05x",
            "0999-12-31", "2026-01-05'; --", "２０２６-01-05");
    assert_false(validate_date(NULL));
}

static void names(void **state)
{
    ALL_GOOD(validate_person_name, "Anna Schmidt", "Jean-Luc Picard", "O'Brien", "Dr. Who",
             "Иван Петрович Сидоров", "Анна-Мария Ёлкина", "D’Artagnan", "Zoë Ångström", "李小龍",
             "José María Aznar", "Jo", "Ли");
    ALL_BAD(validate_person_name, "", "A", " ", "--", "..", "'' ", "<script>alert(1)</script>",
            "Robert'); DROP TABLE customers;--", "Anna1", "Anna_Schmidt", "Anna\nSchmidt", "Anna\tS",
            "anna@example.com", "Anna (Ann)", "Anna; Bob", "1234");
    char long_name[200];
    memset(long_name, 'a', 161);
    long_name[161] = '\0';
    assert_false(validate_person_name(long_name));
    long_name[160] = '\0';
    assert_true(validate_person_name(long_name));
    /* 160 Cyrillic letters are 320 bytes but 160 characters. */
    char cyr[400] = "";
    for (int i = 0; i < 160; i++) strcat(cyr, "Я");
    assert_true(validate_person_name(cyr));
    strcat(cyr, "Я");
    assert_false(validate_person_name(cyr));
    /* Not UTF-8 at all. */
    assert_false(validate_person_name("Anna \xff\xfe"));
    assert_false(validate_person_name(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phones),
        cmocka_unit_test(emails),
        cmocka_unit_test(doc_types),
        cmocka_unit_test(doc_numbers),
        cmocka_unit_test(dates),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
