/* Unit tests for lib/money.c: every form a clerk may type, every form
 * refused, overflow at the int64 edges, exponents, and display. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "money.h"

static void parses_to(const char *text, const char *cur, int neg, int64_t want)
{
    int64_t got = 12345;
    if (money_parse(text, cur, neg, &got) != 0) fail_msg("refused \"%s\" (%s)", text, cur);
    if (got != want) fail_msg("\"%s\" (%s) gave %lld, want %lld", text, cur, (long long)got, (long long)want);
}

static void refuses(const char *text, const char *cur, int neg)
{
    int64_t got = 777;
    if (money_parse(text, cur, neg, &got) == 0) fail_msg("accepted \"%s\" (%s) as %lld", text, cur, (long long)got);
    assert_int_equal(got, 777);       /* untouched on failure */
}

static void exponents(void **state)
{
    assert_int_equal(money_exponent("EUR"), 2);
    assert_int_equal(money_exponent("RUB"), 2);
    assert_int_equal(money_exponent("USD"), 2);
    assert_int_equal(money_exponent("JPY"), 0);
    assert_int_equal(money_exponent("KRW"), 0);
    assert_int_equal(money_exponent("KWD"), 3);
    assert_int_equal(money_exponent("BHD"), 3);
    assert_int_equal(money_exponent("XXX"), -1);
    assert_int_equal(money_exponent("eur"), -1);
    assert_int_equal(money_exponent("EURO"), -1);
    assert_int_equal(money_exponent(""), -1);
    assert_int_equal(money_exponent(NULL), -1);
}

static void accepted(void **state)
{
    parses_to("12", "EUR", 0, 1200);
    parses_to("12.5", "EUR", 0, 1250);
    parses_to("12.50", "EUR", 0, 1250);
    parses_to("12,50", "EUR", 0, 1250);
    parses_to("0.01", "EUR", 0, 1);
    parses_to("0", "EUR", 0, 0);
    parses_to("007", "EUR", 0, 700);
    parses_to("1 234,50", "EUR", 0, 123450);
    parses_to("1 234.50", "EUR", 0, 123450);
    parses_to("1\xc2\xa0" "234,50", "RUB", 0, 123450);          /* NBSP */
    parses_to("1\xe2\x80\xaf" "234,50", "RUB", 0, 123450);      /* narrow NBSP */
    parses_to("12 345 678", "EUR", 0, 1234567800);
    parses_to("123 456", "EUR", 0, 12345600);
    parses_to("  42  ", "EUR", 0, 4200);
    parses_to("\t42.1\t", "EUR", 0, 4210);
    parses_to("1500", "JPY", 0, 1500);
    parses_to("1 500", "JPY", 0, 1500);
    parses_to("1.5", "KWD", 0, 1500);
    parses_to("1.234", "KWD", 0, 1234);
    parses_to("-12.50", "EUR", 1, -1250);
    parses_to("-0.01", "EUR", 1, -1);
    parses_to("-1 234,5", "EUR", 1, -123450);
    /* The int64 edges, exactly. */
    parses_to("92233720368547758.07", "EUR", 0, INT64_MAX);
    parses_to("-92233720368547758.08", "EUR", 1, INT64_MIN);
    parses_to("9223372036854775807", "JPY", 0, INT64_MAX);
    parses_to("-9223372036854775808", "JPY", 1, INT64_MIN);
}

static void refused(void **state)
{
    const char *bad[] = {
        "", " ", "-", ".", ",", ".5", ",5", "12.", "12,", "1.2.3", "1,2.3", "12.345", "1,234.50",
        "12a", "a12", "1e3", "0x10", "+12", "--1", "- 1", "12 .5", "1  234", " 1 23", "1 23", "1 2345",
        "1234 567", "12 34,5", "1 234 56", "12.5 0", "1_000", "١٢", "１２", "12€", "EUR 12", "12 EUR",
        "NaN", "inf", "1'000", "12;DROP TABLE x", "<b>1</b>", "12\n", "1\xc2" "234",
        "99999999999999999999", "92233720368547758.08",
        "0000000000000000000000000000000000000000000000000000000000000000001",
        NULL,
    };
    for (int i = 0; bad[i]; i++) refuses(bad[i], "EUR", 1);
    refuses("12.5", "JPY", 0);             /* no minor unit */
    refuses("12,5", "JPY", 0);
    refuses("1.2345", "KWD", 0);
    refuses("9223372036854775808", "JPY", 0);
    refuses("-9223372036854775809", "JPY", 1);
    refuses("-92233720368547758.09", "EUR", 1);
    refuses("-12", "EUR", 0);              /* negative not allowed here */
    refuses("-0", "EUR", 0);
    refuses("12", "XXX", 0);               /* unknown currency */
    refuses("12", NULL, 0);
    int64_t v = 5;
    assert_int_equal(money_parse(NULL, "EUR", 0, &v), -1);
}

static void plain(void **state)
{
    char b[64];
    assert_string_equal(money_plain(123450, "EUR", b, sizeof b), "1234.50");
    assert_string_equal(money_plain(5, "EUR", b, sizeof b), "0.05");
    assert_string_equal(money_plain(0, "EUR", b, sizeof b), "0.00");
    assert_string_equal(money_plain(-5, "EUR", b, sizeof b), "-0.05");
    assert_string_equal(money_plain(-123456789, "RUB", b, sizeof b), "-1234567.89");
    assert_string_equal(money_plain(1500, "JPY", b, sizeof b), "1500");
    assert_string_equal(money_plain(1234, "KWD", b, sizeof b), "1.234");
    assert_string_equal(money_plain(INT64_MAX, "EUR", b, sizeof b), "92233720368547758.07");
    assert_string_equal(money_plain(INT64_MIN, "EUR", b, sizeof b), "-92233720368547758.08");
    /* Round trip: what is printed parses back to the same number. */
    int64_t vals[] = { 0, 1, -1, 99, 100, 123456, -987654321, INT64_MAX, INT64_MIN };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int64_t back = 0;
        assert_int_equal(money_parse(money_plain(vals[i], "EUR", b, sizeof b), "EUR", 1, &back), 0);
        assert_int_equal(back, vals[i]);
    }
    /* A short buffer truncates instead of overflowing. */
    char small[5];
    assert_string_equal(money_plain(123450, "EUR", small, sizeof small), "1234");
}

static void display(void **state)
{
    char b[64];
    assert_string_equal(money_display(123450, "EUR", b, sizeof b), "1 234.50 EUR");
    assert_string_equal(money_display(100, "EUR", b, sizeof b), "1.00 EUR");
    assert_string_equal(money_display(99999, "EUR", b, sizeof b), "999.99 EUR");
    assert_string_equal(money_display(100000, "EUR", b, sizeof b), "1 000.00 EUR");
    assert_string_equal(money_display(-123456789, "RUB", b, sizeof b), "-1 234 567.89 RUB");
    assert_string_equal(money_display(1234567, "JPY", b, sizeof b), "1 234 567 JPY");
    assert_string_equal(money_display(-100000, "JPY", b, sizeof b), "-100 000 JPY");
    assert_string_equal(money_display(1234567, "KWD", b, sizeof b), "1 234.567 KWD");
    assert_string_equal(money_display(INT64_MIN, "EUR", b, sizeof b), "-92 233 720 368 547 758.08 EUR");
    /* Displayed text is accepted back by the parser (space thousands). */
    int64_t back = 0;
    assert_int_equal(money_parse("-1 234 567.89", "RUB", 1, &back), 0);
    assert_int_equal(back, -123456789);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exponents),
        cmocka_unit_test(accepted),
        cmocka_unit_test(refused),
        cmocka_unit_test(plain),
        cmocka_unit_test(display),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
