/* Unit tests for the pure parts of lib/contract.c: the first period's rent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "contract.h"

static int64_t rent(int64_t price, const char *period, const char *start, char *end)
{
    int64_t amount = -1;
    assert_int_equal(contract_prorate(price, period, start, &amount, end), 0);
    return amount;
}

static void monthly_on_the_first_is_the_full_price(void **state)
{
    char end[11];
    assert_int_equal(rent(3000, "monthly", "2026-01-01", end), 3000);
    assert_string_equal(end, "2026-01-31");
    assert_int_equal(rent(3000, "monthly", "2026-02-01", end), 3000);
    assert_string_equal(end, "2026-02-28");
    assert_int_equal(rent(4500, "monthly", "2024-02-01", end), 4500);
    assert_string_equal(end, "2024-02-29");
    assert_int_equal(rent(7000, "monthly", "2026-04-01", end), 7000);
    assert_string_equal(end, "2026-04-30");
}

static void monthly_prorates_by_days_left(void **state)
{
    char end[11];
    /* 31-day month: 17 of 31 days left from the 15th: 3000*17/31 = 1645.16 */
    assert_int_equal(rent(3000, "monthly", "2026-01-15", end), 1645);
    /* 30-day month: 16 of 30 from the 15th: 3000*16/30 = 1600 */
    assert_int_equal(rent(3000, "monthly", "2026-04-15", end), 1600);
    /* 28-day February: 14 of 28 from the 15th: half */
    assert_int_equal(rent(3000, "monthly", "2026-02-15", end), 1500);
    assert_string_equal(end, "2026-02-28");
    /* 29-day February (leap year): 15 of 29 from the 15th: 3000*15/29 = 1551.72 */
    assert_int_equal(rent(3000, "monthly", "2024-02-15", end), 1552);
    assert_string_equal(end, "2024-02-29");
    /* Century rules: 1900 was not a leap year, 2000 was. */
    assert_int_equal(rent(2800, "monthly", "1900-02-28", end), 100);
    assert_int_equal(rent(2900, "monthly", "2000-02-29", end), 100);
}

static void monthly_on_the_last_day_is_one_day(void **state)
{
    char end[11];
    assert_int_equal(rent(3100, "monthly", "2026-01-31", end), 100);
    assert_string_equal(end, "2026-01-31");
    assert_int_equal(rent(3000, "monthly", "2026-04-30", end), 100);
    assert_int_equal(rent(2800, "monthly", "2026-02-28", end), 100);
    assert_int_equal(rent(2900, "monthly", "2024-02-29", end), 100);
    /* 1 minor unit over 31 days rounds half up: 1/31 -> 0 */
    assert_int_equal(rent(1, "monthly", "2026-01-31", end), 0);
    /* 45.00 from the 31st of a 31-day month: 4500/31 = 145.16 */
    assert_int_equal(rent(4500, "monthly", "2026-12-31", end), 145);
}

static void rounding_is_half_up(void **state)
{
    /* 100 * 1/2... a 30-day month, 15 days: 101*15/30 = 50.5 -> 51 */
    assert_int_equal(rent(101, "monthly", "2026-06-16", NULL), 51);
    assert_int_equal(rent(0, "monthly", "2026-06-16", NULL), 0);
}

static void yearly_is_the_full_price(void **state)
{
    char end[11];
    assert_int_equal(rent(30000, "yearly", "2026-03-15", end), 30000);
    assert_string_equal(end, "2027-03-14");
    assert_int_equal(rent(30000, "yearly", "2026-01-01", end), 30000);
    assert_string_equal(end, "2026-12-31");
    assert_int_equal(rent(30000, "yearly", "2024-02-29", end), 30000);
    assert_string_equal(end, "2025-02-27");
    assert_int_equal(rent(30000, "yearly", "2026-03-01", end), 30000);
    assert_string_equal(end, "2027-02-28");
}

static void bad_input_is_refused(void **state)
{
    int64_t a = 7;
    assert_int_equal(contract_prorate(3000, "weekly", "2026-01-15", &a, NULL), -1);
    assert_int_equal(contract_prorate(3000, NULL, "2026-01-15", &a, NULL), -1);
    assert_int_equal(contract_prorate(3000, "monthly", "2026-02-30", &a, NULL), -1);
    assert_int_equal(contract_prorate(3000, "monthly", "", &a, NULL), -1);
    assert_int_equal(contract_prorate(3000, "monthly", NULL, &a, NULL), -1);
    assert_int_equal(contract_prorate(-1, "monthly", "2026-01-15", &a, NULL), -1);
    assert_int_equal(contract_prorate(INT64_MAX, "monthly", "2026-01-15", &a, NULL), -1);
    assert_int_equal(a, 7);
    /* The full price needs no multiplication, so even a huge one is exact. */
    assert_int_equal(contract_prorate(INT64_MAX, "monthly", "2026-01-01", &a, NULL), 0);
    assert_true(a == INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monthly_on_the_first_is_the_full_price),
        cmocka_unit_test(monthly_prorates_by_days_left),
        cmocka_unit_test(monthly_on_the_last_day_is_one_day),
        cmocka_unit_test(rounding_is_half_up),
        cmocka_unit_test(yearly_is_the_full_price),
        cmocka_unit_test(bad_input_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
