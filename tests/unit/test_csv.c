/* Unit tests for lib/csv.c: RFC 4180 quoting and formula neutralising. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "csv.h"

struct buf { char s[1024]; size_t n; int calls; };

static void sink(void *ctx, const char *p, size_t len)
{
    struct buf *b = ctx;
    assert_true(b->n + len < sizeof b->s);
    memcpy(b->s + b->n, p, len);
    b->n += len;
    b->s[b->n] = '\0';
    b->calls++;
}

static const char *field(struct buf *b, const char *v)
{
    memset(b, 0, sizeof *b);
    csv_field(sink, b, v);
    return b->s;
}

static void plain_fields_are_verbatim(void **state)
{
    (void)state;
    struct buf b;
    assert_string_equal(field(&b, "hello"), "hello");
    assert_string_equal(field(&b, ""), "");
    assert_string_equal(field(&b, NULL), "");
    assert_string_equal(field(&b, "2024-05-01 10:00:00.000000"), "2024-05-01 10:00:00.000000");
    assert_string_equal(field(&b, "\xd0\x9c\xd0\xb8\xd1\x80"), "\xd0\x9c\xd0\xb8\xd1\x80");   /* UTF-8 untouched */
    assert_string_equal(field(&b, "a;b'c"), "a;b'c");
    assert_string_equal(field(&b, "x=1"), "x=1");            /* only a leading = is a formula */
}

static void quoting(void **state)
{
    (void)state;
    struct buf b;
    assert_string_equal(field(&b, "a,b"), "\"a,b\"");
    assert_string_equal(field(&b, "say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_string_equal(field(&b, "\""), "\"\"\"\"");
    assert_string_equal(field(&b, "two\nlines"), "\"two\nlines\"");
    assert_string_equal(field(&b, "cr\rhere"), "\"cr\rhere\"");
    assert_string_equal(field(&b, "{\"role\":\"admin\",\"sites\":[1,2]}"),
                        "\"{\"\"role\"\":\"\"admin\"\",\"\"sites\"\":[1,2]}\"");
}

static void formulas_are_neutralised(void **state)
{
    (void)state;
    struct buf b;
    assert_string_equal(field(&b, "=1+1"), "'=1+1");
    assert_string_equal(field(&b, "+1"), "'+1");
    assert_string_equal(field(&b, "-2"), "'-2");
    assert_string_equal(field(&b, "@SUM(A1)"), "'@SUM(A1)");
    assert_string_equal(field(&b, "\t=1"), "'\t=1");
    /* A leading CR also needs quotes; the apostrophe goes inside them. */
    assert_string_equal(field(&b, "\r=1"), "\"'\r=1\"");
    assert_string_equal(field(&b, "=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    assert_true(csv_is_formula("=A1"));
    assert_false(csv_is_formula("A1"));
    assert_false(csv_is_formula(""));
    assert_false(csv_is_formula(NULL));
}

static void rows(void **state)
{
    (void)state;
    struct buf b = { 0 };
    const char *r1[] = { "id", "action", "detail" };
    const char *r2[] = { "7", NULL, "a,b" };
    csv_row(sink, &b, r1, 3);
    csv_row(sink, &b, r2, 3);
    assert_string_equal(b.s, "id,action,detail\r\n7,,\"a,b\"\r\n");

    memset(&b, 0, sizeof b);
    const char *lone[] = { "" };
    csv_row(sink, &b, lone, 1);
    assert_string_equal(b.s, "\"\"\r\n");                  /* not an empty line */
}

static void long_runs_go_in_one_write(void **state)
{
    (void)state;
    struct buf b;
    field(&b, "a long value without anything special in it");
    assert_int_equal(b.calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_fields_are_verbatim),
        cmocka_unit_test(quoting),
        cmocka_unit_test(formulas_are_neutralised),
        cmocka_unit_test(rows),
        cmocka_unit_test(long_runs_go_in_one_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
