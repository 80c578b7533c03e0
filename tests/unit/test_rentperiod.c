/* Unit tests for lib/rentperiod.c: day numbers against known dates and a
 * round trip over five centuries, strict parsing, period starts at month
 * ends and on 29 February, the due count against a plain day-by-day walk,
 * proration, and agreement with contract_create's first period. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "contract.h"
#include "rentperiod.h"

static int64_t day(const char *s)
{
    int64_t d;
    if (rp_parse(s, &d) != 0) fail_msg("not a date: %s", s);
    return d;
}

static void is_date(int64_t days, const char *want)
{
    char got[11];
    rp_format(days, got);
    assert_string_equal(got, want);
}

static void day_numbers(void **state)
{
    (void)state;
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("2000-03-01"), 11017);
    assert_int_equal(day("1969-12-31"), -1);
    assert_int_equal(day("2026-11-23") - day("2025-11-23"), 365);
    assert_int_equal(day("2028-03-01") - day("2028-02-28"), 2);
    assert_int_equal(day("2100-03-01") - day("2100-02-28"), 1);   /* 2100 is not leap */
    assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2);   /* 2000 is */
    char prev[11] = "";
    for (int64_t d = day("1900-01-01"); d <= day("2399-12-31"); d++) {
        int y, m, dd;
        rp_civil(d, &y, &m, &dd);
        assert_int_equal(rp_days(y, m, dd), d);
        char s[11];
        rp_format(d, s);
        assert_true(strcmp(prev, s) < 0);          /* strictly increasing as text too */
        memcpy(prev, s, sizeof s);
    }
}

static void parsing_is_strict(void **state)
{
    (void)state;
    static const char *const bad[] = { "2026-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01",
                                       "2024-01-1", "20240101", "2024/01/01", "abcd-ef-gh", "1899-12-31",
                                       " 2024-01-01", "2024-01-01 ", "", NULL };
    int64_t d;
    for (int i = 0; bad[i]; i++)
        if (rp_parse(bad[i], &d) == 0) fail_msg("accepted %s", bad[i]);
    assert_int_equal(rp_parse(NULL, &d), -1);
    assert_int_equal(rp_parse("2024-02-29", &d), 0);
    is_date(d, "2024-02-29");
    rp_kind_t k;
    assert_int_equal(rp_kind("monthly", &k), 0);
    assert_int_equal(k, RP_MONTHLY);
    assert_int_equal(rp_kind("yearly", &k), 0);
    assert_int_equal(k, RP_YEARLY);
    assert_int_equal(rp_kind("weekly", &k), -1);
    assert_int_equal(rp_kind(NULL, &k), -1);
}

static void monthly_periods(void **state)
{
    (void)state;
    int64_t s = day("2026-01-31");
    is_date(rp_start(RP_MONTHLY, s, 0), "2026-01-31");
    is_date(rp_end(RP_MONTHLY, s, 0), "2026-01-31");
    is_date(rp_start(RP_MONTHLY, s, 1), "2026-02-01");
    is_date(rp_end(RP_MONTHLY, s, 1), "2026-02-28");
    is_date(rp_start(RP_MONTHLY, s, 11), "2026-12-01");
    is_date(rp_start(RP_MONTHLY, s, 12), "2027-01-01");
    is_date(rp_end(RP_MONTHLY, day("2027-12-15"), 2), "2028-02-29");
    is_date(rp_start(RP_MONTHLY, day("2026-12-15"), 13), "2028-01-01");
}

static void yearly_periods_and_29_february(void **state)
{
    (void)state;
    int64_t s = day("2024-02-29");
    is_date(rp_start(RP_YEARLY, s, 1), "2025-02-28");
    is_date(rp_start(RP_YEARLY, s, 3), "2027-02-28");
    is_date(rp_start(RP_YEARLY, s, 4), "2028-02-29");
    is_date(rp_end(RP_YEARLY, s, 0), "2025-02-27");
    is_date(rp_end(RP_YEARLY, s, 3), "2028-02-28");
    is_date(rp_start(RP_YEARLY, day("2025-12-31"), 2), "2027-12-31");
    is_date(rp_start(RP_YEARLY, day("2096-02-29"), 4), "2100-02-28");
}

static void due_periods(void **state)
{
    (void)state;
    int64_t s = day("2026-01-15");
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 1, day("2026-01-31")), 1);   /* nothing due */
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 1, day("2026-02-01")), 2);   /* period 1 */
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 1, day("2026-04-30")), 4);
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 1, day("2026-05-01")), 5);
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 3, day("2026-05-01")), 5);   /* 1 and 2 charged before */
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 7, day("2026-05-01")), 7);
    assert_int_equal(rp_next_after(RP_MONTHLY, s, 0, day("2026-01-15")), 1);   /* period 0 is never the run's */
    int64_t leap = day("2024-02-29");
    assert_int_equal(rp_next_after(RP_YEARLY, leap, 1, day("2025-02-27")), 1);
    assert_int_equal(rp_next_after(RP_YEARLY, leap, 1, day("2025-02-28")), 2);
    assert_int_equal(rp_next_after(RP_YEARLY, leap, 1, day("2028-02-28")), 4);
    assert_int_equal(rp_next_after(RP_YEARLY, leap, 1, day("2028-02-29")), 5);
}

/* The due count against a walk over every day: for each start in two
 * years and each "today" up to three years later. */
static void due_periods_match_a_plain_walk(void **state)
{
    (void)state;
    for (int kind = RP_MONTHLY; kind <= RP_YEARLY; kind++)
        for (int64_t s = day("2023-01-01"); s <= day("2024-12-31"); s += 3)
            for (int64_t from = 1; from <= 3; from++) {
                int64_t next = from;
                for (int64_t t = s; t <= s + 3 * 366; t += 5) {
                    while (rp_start((rp_kind_t)kind, s, next) <= t) next++;
                    int64_t got = rp_next_after((rp_kind_t)kind, s, from, t);
                    if (got != next) fail_msg("kind %d start %lld from %lld today %lld: %lld, want %lld", kind,
                                              (long long)s, (long long)from, (long long)t, (long long)got,
                                              (long long)next);
                }
            }
}

static void proration(void **state)
{
    (void)state;
    assert_int_equal(rp_prorate(10000, 15, 30), 5000);
    assert_int_equal(rp_prorate(100, 1, 3), 33);
    assert_int_equal(rp_prorate(200, 1, 3), 67);          /* 66.67 half up */
    assert_int_equal(rp_prorate(100, 1, 2), 50);
    assert_int_equal(rp_prorate(1, 1, 2), 1);             /* 0.5 half up */
    assert_int_equal(rp_prorate(100, 31, 31), 100);
    assert_int_equal(rp_prorate(100, 40, 31), 100);
    assert_int_equal(rp_prorate(100, 0, 31), 0);
    assert_int_equal(rp_prorate(100, -1, 31), 0);
    assert_int_equal(rp_prorate(-1, 1, 31), -1);
    assert_int_equal(rp_prorate(100, 1, 0), -1);
    assert_int_equal(rp_prorate(INT64_MAX / 10, 5, 366), -1);
}

/* contract_create charges period 0 with contract_prorate: the run must
 * pick up exactly where that charge ends. */
static void agrees_with_the_first_period(void **state)
{
    (void)state;
    for (int64_t d = day("2023-01-01"); d <= day("2025-12-31"); d++) {
        char on[11], end[11], want[11];
        rp_format(d, on);
        int64_t amount;
        assert_int_equal(contract_prorate(12345, "monthly", on, &amount, end), 0);
        rp_format(rp_end(RP_MONTHLY, d, 0), want);
        assert_string_equal(end, want);
        int64_t days = rp_end(RP_MONTHLY, d, 0) - d + 1;
        int y, m, dd;
        rp_civil(d, &y, &m, &dd);
        int64_t mdays = rp_start(RP_MONTHLY, d, 1) - rp_days(y, m, 1);
        assert_int_equal(amount, rp_prorate(12345, days, mdays));
        assert_int_equal(contract_prorate(12345, "yearly", on, &amount, end), 0);
        rp_format(rp_end(RP_YEARLY, d, 0), want);
        assert_string_equal(end, want);
        assert_int_equal(amount, 12345);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(day_numbers),
        cmocka_unit_test(parsing_is_strict),
        cmocka_unit_test(monthly_periods),
        cmocka_unit_test(yearly_periods_and_29_february),
        cmocka_unit_test(due_periods),
        cmocka_unit_test(due_periods_match_a_plain_walk),
        cmocka_unit_test(proration),
        cmocka_unit_test(agrees_with_the_first_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
