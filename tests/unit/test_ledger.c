/* Unit tests for the pure parts of lib/ledger.c: the checks made before
 * any posting touches the database, and document labels. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "ledger.h"

static ledger_line_t pay_lines[2] = { { "cash", 1000 }, { "customer", -1000 } };

static ledger_journal_t payment(void)
{
    return (ledger_journal_t){
        .site_id = 1, .idem_key = "k1", .kind = "payment", .customer_id = 7, .amount = 1000,
        .method = "cash", .doc_series = "receipt", .lines = pay_lines, .nlines = 2,
    };
}

static void expect_invalid(const ledger_journal_t *j, const char *field, const char *code)
{
    ledger_err_t err = { 0 };
    int rc = ledger_check(j, &err);
    if (rc != LEDGER_INVALID) fail_msg("accepted (rc %d), want %s/%s", rc, field, code);
    assert_non_null(err.field);
    assert_non_null(err.code);
    if (strcmp(err.field, field) || strcmp(err.code, code))
        fail_msg("got %s/%s, want %s/%s", err.field, err.code, field, code);
}

static void good_journals(void **state)
{
    ledger_err_t err = { 0 };
    ledger_journal_t j = payment();
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);
    j.value_date = "2024-02-29";
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);

    ledger_line_t three[3] = { { "customer", 500 }, { "rent_revenue", -300 }, { "deposits_held", -200 } };
    ledger_journal_t c = { .site_id = 1, .idem_key = "c", .kind = "charge", .customer_id = 2, .amount = 500,
                           .lines = three, .nlines = 3 };
    assert_int_equal(ledger_check(&c, &err), LEDGER_OK);

    ledger_line_t sys[2] = { { "cash", 5 }, { "card", -5 } };      /* system-only journal */
    ledger_journal_t s = { .site_id = 1, .idem_key = "s", .kind = "debit", .memo = "move", .lines = sys, .nlines = 2 };
    assert_int_equal(ledger_check(&s, &err), LEDGER_OK);

    ledger_line_t rev[2] = { { "cash", -1000 }, { "customer", 1000 } };
    ledger_journal_t r = { .site_id = 1, .idem_key = "r", .kind = "reversal", .customer_id = 7, .amount = 1000,
                           .method = "cash", .memo = "typo", .reverses_id = 9, .lines = rev, .nlines = 2 };
    assert_int_equal(ledger_check(&r, &err), LEDGER_OK);

    char key[LEDGER_KEY_MAX + 1];
    memset(key, 'k', LEDGER_KEY_MAX);
    key[LEDGER_KEY_MAX] = '\0';
    j.idem_key = key;
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);
    /* Extreme but balanced amounts do not overflow the check. */
    ledger_line_t big[3] = { { "cash", INT64_MAX }, { "card", INT64_MIN + 1 }, { "customer", 0 } };
    big[2].amount = -1;
    big[1].amount = -(INT64_MAX - 1);
    j = payment();
    j.lines = big;
    j.nlines = 3;
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);
}

static void bad_keys_and_kinds(void **state)
{
    ledger_journal_t j = payment();
    j.idem_key = NULL;
    expect_invalid(&j, "idem_key", "key_invalid");
    j.idem_key = "";
    expect_invalid(&j, "idem_key", "key_invalid");
    char key[LEDGER_KEY_MAX + 2];
    memset(key, 'k', LEDGER_KEY_MAX + 1);
    key[LEDGER_KEY_MAX + 1] = '\0';
    j.idem_key = key;
    expect_invalid(&j, "idem_key", "key_invalid");
    j = payment();
    j.kind = "gift";
    expect_invalid(&j, "kind", "kind_invalid");
    j.kind = NULL;
    expect_invalid(&j, "kind", "kind_invalid");
    j.kind = "Payment";
    expect_invalid(&j, "kind", "kind_invalid");
    j = payment();
    j.site_id = 0;
    expect_invalid(&j, "site_id", "site_invalid");
}

static void bad_lines(void **state)
{
    ledger_journal_t j = payment();
    j.nlines = 1;
    expect_invalid(&j, "lines", "lines_invalid");
    j.nlines = 0;
    expect_invalid(&j, "lines", "lines_invalid");
    j = payment();
    j.lines = NULL;
    expect_invalid(&j, "lines", "lines_invalid");

    ledger_line_t unbalanced[2] = { { "cash", 1000 }, { "customer", -999 } };
    j = payment();
    j.lines = unbalanced;
    expect_invalid(&j, "lines", "unbalanced");

    ledger_line_t zero[3] = { { "cash", 1000 }, { "customer", -1000 }, { "card", 0 } };
    j.lines = zero;
    j.nlines = 3;
    expect_invalid(&j, "amount", "amount_invalid");

    /* Wraps to zero in int64 arithmetic: refused as overflow, not accepted. */
    ledger_line_t wrap[3] = { { "cash", INT64_MAX }, { "card", INT64_MAX }, { "customer", 2 } };
    j.lines = wrap;
    expect_invalid(&j, "amount", "amount_invalid");

    ledger_line_t unknown[2] = { { "bank", 5 }, { "customer", -5 } };
    j.lines = unknown;
    j.nlines = 2;
    expect_invalid(&j, "lines", "account_invalid");
    ledger_line_t noacc[2] = { { NULL, 5 }, { "customer", -5 } };
    j.lines = noacc;
    expect_invalid(&j, "lines", "account_invalid");
    ledger_line_t twice[3] = { { "cash", 5 }, { "cash", 5 }, { "customer", -10 } };
    j.lines = twice;
    j.nlines = 3;
    expect_invalid(&j, "lines", "lines_invalid");

    j = payment();
    j.customer_id = 0;                    /* a customer line needs a customer */
    expect_invalid(&j, "customer_id", "customer_invalid");
    j = payment();
    j.amount = -1;
    expect_invalid(&j, "amount", "amount_invalid");
}

static void bad_fields(void **state)
{
    ledger_journal_t j = payment();
    j.method = NULL;
    expect_invalid(&j, "method", "method_invalid");
    j.method = "cheque";
    expect_invalid(&j, "method", "method_invalid");
    j.method = "";
    expect_invalid(&j, "method", "method_invalid");

    ledger_line_t adj[2] = { { "write_offs", 100 }, { "customer", -100 } };
    const char *need_reason[] = { "credit", "debit", "write_off", NULL };
    for (int i = 0; need_reason[i]; i++) {
        ledger_journal_t a = { .site_id = 1, .idem_key = "a", .kind = need_reason[i], .customer_id = 7,
                               .amount = 100, .lines = adj, .nlines = 2 };
        expect_invalid(&a, "memo", "reason_required");
        a.memo = "  \t ";
        expect_invalid(&a, "memo", "reason_required");
        a.memo = "goodwill";
        ledger_err_t err = { 0 };
        assert_int_equal(ledger_check(&a, &err), LEDGER_OK);
    }
    ledger_journal_t r = { .site_id = 1, .idem_key = "r", .kind = "reversal", .customer_id = 7, .amount = 100,
                           .reverses_id = 3, .lines = adj, .nlines = 2 };
    expect_invalid(&r, "memo", "reason_required");
    r.memo = "why";
    r.reverses_id = 0;
    expect_invalid(&r, "reverses_id", "reversal_invalid");
    j = payment();
    j.reverses_id = 4;                    /* only reversals reverse */
    expect_invalid(&j, "reverses_id", "reversal_invalid");

    const char *dates[] = { "2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-32", "yesterday",
                            "2024-01-01 10:00", "", NULL };
    for (int i = 0; dates[i]; i++) {
        j = payment();
        j.value_date = dates[i];
        expect_invalid(&j, "value_date", "date_invalid");
    }
    j = payment();
    j.doc_series = "credit_note";
    expect_invalid(&j, "doc_series", "series_invalid");

    char memo[502];
    memset(memo, 'm', 501);
    memo[501] = '\0';
    j = payment();
    j.memo = memo;
    expect_invalid(&j, "memo", "too_long");
    memo[500] = '\0';                     /* 500 characters fit */
    ledger_err_t err = { 0 };
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);
    /* Counted in characters: 500 Cyrillic letters are 1000 bytes and fit. */
    char cyr[1001];
    for (int i = 0; i < 500; i++) memcpy(cyr + 2 * i, "\xd0\xaf", 2);
    cyr[1000] = '\0';
    j.memo = cyr;
    assert_int_equal(ledger_check(&j, &err), LEDGER_OK);
    char ref[122];
    memset(ref, 'r', 121);
    ref[121] = '\0';
    j = payment();
    j.reference = ref;
    expect_invalid(&j, "reference", "too_long");
}

static void convenience_refusals(void **state)
{
    /* Refused before any database work: a NULL db is never touched. */
    ledger_posted_t out;
    ledger_err_t err = { 0 };
    assert_int_equal(ledger_payment(NULL, NULL, 1, 7, 0, "cash", NULL, NULL, "k", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "amount_invalid");
    assert_int_equal(ledger_payment(NULL, NULL, 1, 7, -5, "cash", NULL, NULL, "k", &out, &err), LEDGER_INVALID);
    assert_int_equal(ledger_payment(NULL, NULL, 1, 7, 5, "iou", NULL, NULL, "k", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "method_invalid");
    assert_int_equal(ledger_charge(NULL, NULL, 1, 7, 0, "charge", 0, "x", NULL, "k", &out, &err), LEDGER_INVALID);
    assert_int_equal(ledger_charge(NULL, NULL, 1, 7, 0, "bonus", 5, "x", NULL, "k", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "kind_invalid");
    assert_int_equal(ledger_adjust(NULL, NULL, 1, 7, "credit", 5, "", "k", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "reason_required");
    assert_int_equal(ledger_adjust(NULL, NULL, 1, 7, "payment", 5, "r", "k", &out, &err), LEDGER_INVALID);
    assert_int_equal(ledger_reverse(NULL, NULL, 1, 9, " ", "k", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "reason_required");
    assert_int_equal(ledger_reverse(NULL, NULL, 1, 9, "typo", "", &out, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "key_invalid");
}

/* A batch is refused whole before any database work when its size is out
 * of range, a member fails ledger_check, or members belong to different
 * sites; statuses name the member at fault. */
static void batch_refusals(void **state)
{
    ledger_journal_t js[3] = { payment(), payment(), payment() };
    js[1].idem_key = "k2";
    js[2].idem_key = "k3";
    int st[3];
    ledger_err_t err = { 0 };
    assert_int_equal(ledger_check_batch(js, 3, st, &err), LEDGER_OK);
    assert_int_equal(ledger_check_batch(js, 0, st, &err), LEDGER_INVALID);
    assert_string_equal(err.code, "batch_invalid");
    assert_int_equal(ledger_check_batch(js, LEDGER_BATCH_MAX + 1, st, &err), LEDGER_INVALID);

    js[1].amount = -1;
    assert_int_equal(ledger_check_batch(js, 3, st, &err), LEDGER_INVALID);
    assert_string_equal(err.field, "amount");
    assert_int_equal(st[0], LEDGER_OK);
    assert_int_equal(st[1], LEDGER_INVALID);

    js[1].amount = 1000;
    js[2].site_id = 2;
    assert_int_equal(ledger_check_batch(js, 3, st, &err), LEDGER_INVALID);
    assert_string_equal(err.field, "site_id");
    assert_int_equal(st[2], LEDGER_INVALID);
}

static void doc_labels(void **state)
{
    arena_t *a = arena_new(1024);
    assert_string_equal(ledger_doc_label(a, "receipt", 12), "R-000012");
    assert_string_equal(ledger_doc_label(a, "invoice", 3), "I-000003");
    assert_string_equal(ledger_doc_label(a, "receipt", 1234567), "R-1234567");
    assert_string_equal(ledger_doc_label(a, "receipt", 0), "");
    assert_string_equal(ledger_doc_label(a, NULL, 5), "");
    assert_string_equal(ledger_doc_label(a, "memo", 5), "");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_journals),
        cmocka_unit_test(bad_keys_and_kinds),
        cmocka_unit_test(bad_lines),
        cmocka_unit_test(bad_fields),
        cmocka_unit_test(convenience_refusals),
        cmocka_unit_test(batch_refusals),
        cmocka_unit_test(doc_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
