/* Unit tests for lib/notice.c's pure parts: which kinds are essential,
 * which channels a customer gets, and rendering against the real
 * templates/notify/ and language files (run from the repository's root,
 * as tools/run-unit does): values filled in each language, amounts in the
 * site's currency, HTML escaped in the HTML part only, and a template
 * set rendered many times over without growing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "notice.h"
#include "config.h"

static notice_t *notices;

static int setup(void **state)
{
    char path[] = "/tmp/test_notice_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    const char *text = "Paths.Templates = templates\nLang.Available = en,ru\nLang.Default = en\n"
                       "Notify.Staff.Slack = ops\n";
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) { close(fd); return -1; }
    close(fd);
    char err[512];
    config_t *cfg = config_load(path, err, sizeof err);
    unlink(path);
    if (!cfg) { fprintf(stderr, "%s\n", err); return -1; }
    notices = notice_new(cfg, err, sizeof err);
    config_free(cfg);
    if (!notices) { fprintf(stderr, "notice_new: %s\n", err); return -1; }
    return 0;
}

static int teardown(void **state)
{
    notice_free(notices);
    return 0;
}

static void essential_kinds(void **state)
{
    assert_true(notice_essential("overdue"));
    assert_true(notice_essential("suspended"));
    assert_true(notice_essential("resumed"));
    assert_false(notice_essential("receipt"));
    assert_false(notice_essential("due_soon"));
    assert_false(notice_essential("generic"));
    assert_false(notice_essential(NULL));
}

static void channels(void **state)
{
    /* Wanted and reachable. */
    assert_int_equal(notice_channels(0, 1, 1, 0, "+4930123", "a@b.example"), NOTICE_SMS | NOTICE_EMAIL);
    assert_int_equal(notice_channels(0, 1, 0, 0, "+4930123", "a@b.example"), NOTICE_SMS);
    assert_int_equal(notice_channels(0, 0, 1, 0, "+4930123", "a@b.example"), NOTICE_EMAIL);
    /* No phone, no SMS; no address, no e-mail. */
    assert_int_equal(notice_channels(0, 1, 1, 0, "", "a@b.example"), NOTICE_EMAIL);
    assert_int_equal(notice_channels(0, 1, 1, 0, NULL, NULL), 0);
    assert_int_equal(notice_channels(0, 1, 0, 0, "", "a@b.example"), 0);
    /* Opted out: nothing but the essential, on the wanted channels. */
    assert_int_equal(notice_channels(0, 1, 1, 1, "+4930123", "a@b.example"), 0);
    assert_int_equal(notice_channels(1, 1, 0, 1, "+4930123", "a@b.example"), NOTICE_SMS);
    /* Essential with every wanted channel off or unreachable: any that works. */
    assert_int_equal(notice_channels(1, 0, 0, 0, "+4930123", "a@b.example"), NOTICE_SMS | NOTICE_EMAIL);
    assert_int_equal(notice_channels(1, 1, 0, 1, "", "a@b.example"), NOTICE_EMAIL);
    assert_int_equal(notice_channels(1, 0, 0, 1, "", ""), 0);
}

static const notice_var_t receipt_vars[] = {
    { "amount_minor", "123456" }, { "method", "card" }, { "document", "R-000042" }, { "balance_minor", "-500" },
};

static void receipt_in_english_and_russian(void **state)
{
    notice_text_t t;
    assert_int_equal(notice_render(notices, "receipt", "en", "email", "Anna Schmidt", "Vault One", "EUR",
                                   receipt_vars, 4, &t), 0);
    assert_non_null(strstr(t.subject, "Payment received: 1 234.56 EUR"));
    assert_non_null(strstr(t.subject, "Vault One"));
    assert_non_null(strstr(t.text, "Dear Anna Schmidt,"));
    assert_non_null(strstr(t.text, "1 234.56 EUR by card, receipt R-000042"));
    assert_non_null(strstr(t.text, "5.00 EUR in credit"));
    assert_non_null(t.html);
    assert_non_null(strstr(t.html, "<p><strong>We received your payment of 1 234.56 EUR by card"));

    assert_int_equal(notice_render(notices, "receipt", "ru", "sms", "Анна", "Хранилище", "RUB",
                                   receipt_vars, 4, &t), 0);
    assert_non_null(strstr(t.text, "Хранилище: Мы получили ваш платёж 1 234.56 RUB картой"));
    assert_null(t.html);                       /* no HTML part off e-mail */
    assert_null(strstr(t.text, "Здравствуйте")); /* an SMS has no greeting */

    /* A language not loaded falls back to the default. */
    assert_int_equal(notice_render(notices, "receipt", "de", "sms", "X", "S", "EUR", receipt_vars, 4, &t), 0);
    assert_non_null(strstr(t.text, "We received your payment"));
}

static void html_escaped_only_in_html(void **state)
{
    const char *name = "<script>alert('x')</script> & \"Co\"";
    notice_text_t t;
    assert_int_equal(notice_render(notices, "receipt", "en", "email", name, "A&B <Vault>", "EUR", receipt_vars, 4,
                                   &t), 0);
    assert_non_null(strstr(t.text, name));
    assert_non_null(strstr(t.subject, "A&B <Vault>"));
    assert_null(strstr(t.html, "<script>"));
    assert_null(strstr(t.html, "A&B"));
    assert_non_null(strstr(t.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert_non_null(strstr(t.html, "A&amp;B &lt;Vault&gt;"));
    /* Values are never read as placeholders or markup of the template. */
    notice_var_t sneaky[] = { { "subject", "{customer} <b>" }, { "text", "line\nbreak {site}" } };
    assert_int_equal(notice_render(notices, "generic", "en", "email", "Anna", "S", "EUR", sneaky, 2, &t), 0);
    assert_non_null(strstr(t.subject, "{customer} <b>"));
    assert_null(strchr(t.subject, '\n'));     /* a subject is one line */
    assert_non_null(strstr(t.text, "line\nbreak {site}"));
    assert_non_null(strstr(t.html, "{customer} &lt;b&gt;"));
}

static void every_kind_renders(void **state)
{
    static const char *const kinds[] = { "due_soon", "overdue", "suspended", "resumed", "receipt", "parked", "fp_lockout",
                                         "generic", NULL };
    static const char *const langs[] = { "en", "ru", NULL };
    static const char *const chans[] = { "sms", "email", "slack", NULL };
    notice_var_t vars[] = { { "amount", "30.00 EUR" }, { "date", "2026-06-01" }, { "period_end", "2026-06-30" },
                            { "since", "2026-05-01" }, { "count", "3" }, { "subject", "S" }, { "text", "T" },
                            { "method", "cash" }, { "document", "R-1" }, { "balance_minor", "0" } };
    for (int k = 0; kinds[k]; k++)
        for (int l = 0; langs[l]; l++)
            for (int c = 0; chans[c]; c++) {
                notice_text_t t;
                if (notice_render(notices, kinds[k], langs[l], chans[c], "Anna", "Site", "EUR", vars, 10, &t) != 0)
                    fail_msg("%s/%s/%s failed", kinds[k], langs[l], chans[c]);
                if (!*t.subject || !*t.text) fail_msg("%s/%s/%s is empty", kinds[k], langs[l], chans[c]);
                /* Every {placeholder} was filled. */
                if (strchr(t.text, '{') || strchr(t.subject, '{'))
                    fail_msg("%s/%s/%s left a placeholder: %s", kinds[k], langs[l], chans[c], t.text);
            }
    notice_text_t t;
    assert_int_equal(notice_render(notices, "due_soon", "en", "email", "Anna", "Site", "EUR", vars, 10, &t), 0);
    assert_non_null(strstr(t.text, "30.00 EUR for 2026-06-01 to 2026-06-30 is due on 2026-06-01."));
    assert_int_equal(notice_render(notices, "suspended", "ru", "email", "Анна", "Site", "EUR", vars, 10, &t), 0);
    assert_non_null(strstr(t.text, "посещения запрещены до оплаты"));
}

static void refuses_unknown(void **state)
{
    notice_text_t t;
    assert_int_equal(notice_render(notices, "nope", "en", "sms", "A", "S", "EUR", NULL, 0, &t), -1);
    assert_int_equal(notice_render(notices, "receipt", "en", "fax", "A", "S", "EUR", NULL, 0, &t), -1);
    /* A bad value name is skipped, the rest renders. */
    notice_var_t bad[] = { { "Bad.Name", "x" }, { "amount", "1.00 EUR" } };
    assert_int_equal(notice_render(notices, "overdue", "en", "sms", "A", "S", "EUR", bad, 2, &t), 0);
    assert_non_null(strstr(t.text, "1.00 EUR"));
}

/* The billing run renders a notice per contract: nothing may pile up per
 * call (ASan's leak check sees a leak; this sees the buffers settle). */
static void many_renders_reuse_buffers(void **state)
{
    notice_text_t t;
    const char *first = NULL;
    for (int i = 0; i < 20000; i++) {
        char amount[32];
        snprintf(amount, sizeof amount, "%d", i * 100);
        notice_var_t v[] = { { "amount_minor", amount }, { "method", "cash" }, { "document", "R-1" },
                             { "balance_minor", "0" } };
        assert_int_equal(notice_render(notices, "receipt", i % 2 ? "ru" : "en", "email", "A", "S", "EUR", v, 4, &t), 0);
        if (i == 100) first = t.text;
    }
    assert_ptr_equal(first, t.text);          /* the same buffer, not a new one each time */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(essential_kinds),
        cmocka_unit_test(channels),
        cmocka_unit_test(receipt_in_english_and_russian),
        cmocka_unit_test(html_escaped_only_in_html),
        cmocka_unit_test(every_kind_renders),
        cmocka_unit_test(refuses_unknown),
        cmocka_unit_test(many_renders_reuse_buffers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
