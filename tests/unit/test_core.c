/* Unit tests for the pure parts of the core: routing, roles, CSRF tokens,
 * the audit hash chain, migration names, inventory validation, the
 * fragment cache and HTML escaping in templates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "web.h"
#include "db.h"
#include "auth.h"
#include "audit.h"
#include "secret.h"
#include "migrate.h"
#include "inventory.h"
#include "outboxview.h"
#include "fragcache.h"
#include "render.h"
#include "utf8.h"

static void test_route_match(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    const char *caps[8];
    assert_int_equal(web_route_match("/admin/", "/admin/", caps, 8, a), 0);
    assert_int_equal(web_route_match("/admin/sites/{}", "/admin/sites/42", caps, 8, a), 1);
    assert_string_equal(caps[0], "42");
    assert_int_equal(web_route_match("/admin/sites/{}/banks", "/admin/sites/7/banks", caps, 8, a), 1);
    assert_string_equal(caps[0], "7");
    assert_int_equal(web_route_match("/admin/sites/{}", "/admin/sites/", caps, 8, a), -1);
    assert_int_equal(web_route_match("/admin/sites/{}", "/admin/sites/1/x", caps, 8, a), -1);
    assert_int_equal(web_route_match("/admin/sites", "/admin/sites/", caps, 8, a), -1);
    assert_int_equal(web_route_match("/a/{}/{}", "/a/x/y", caps, 1, a), -1);   /* more captures than room */
    assert_int_equal(web_route_match("/a/{}/b/{}", "/a/x/b/y", caps, 8, a), 2);
    assert_string_equal(caps[1], "y");
    arena_free(a);
}

static void test_web_id(void **state)
{
    assert_int_equal(web_id("1"), 1);
    assert_int_equal(web_id("007"), 7);
    assert_int_equal(web_id("999999999999999999"), 999999999999999999LL);    /* 18 digits */
    const char *refused[] = { NULL, "", "0", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.5", "1e3",
                              "1000000000000000000" /* 19 digits */ };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (web_id(refused[i]) != 0) fail_msg("accepted \"%s\"", refused[i] ? refused[i] : "(null)");
}

static void test_status_text(void **state)
{
    (void)state;
    assert_string_equal(web_status_text(413), "Content Too Large");
    assert_string_equal(web_status_text(303), "See Other");
    assert_string_equal(web_status_text(999), "Status");
}

static void test_roles(void **state)
{
    (void)state;
    assert_true(auth_valid_role("admin"));
    assert_true(auth_valid_role("mailroom_clerk"));
    assert_false(auth_valid_role("root"));
    assert_false(auth_valid_role(NULL));
    assert_true(auth_role_can("admin", "users.manage"));
    assert_false(auth_role_can("operator", "users.manage"));
    assert_true(auth_role_can("operator", "inventory.manage"));
    assert_false(auth_role_can("cashier", "inventory.manage"));
    assert_true(auth_role_can("cashier", "inventory.view"));
    assert_true(auth_role_can("auditor", "audit.view"));
    assert_false(auth_role_can("auditor", "cells.service"));
    assert_false(auth_role_can("admin", "no.such.permission"));
    /* "operator" must not match inside another role's name by substring */
    assert_false(auth_role_can("mailroom_clerk", "cells.service"));
    /* Messages and parked rent: operators decide, auditors only look. */
    assert_true(auth_role_can("auditor", "outbox.view"));
    assert_false(auth_role_can("auditor", "outbox.manage"));
    assert_true(auth_role_can("operator", "outbox.manage"));
    /* Fingerprints are enrolled and deleted at the desk, never by a cashier or an auditor. */
    assert_true(auth_role_can("operator", "fingerprints.enroll"));
    assert_true(auth_role_can("admin", "fingerprints.enroll"));
    assert_false(auth_role_can("cashier", "fingerprints.enroll"));
    assert_false(auth_role_can("auditor", "fingerprints.enroll"));
    assert_false(auth_role_can("cashier", "outbox.view"));
    assert_true(auth_role_can("operator", "contracts.billing"));
    assert_false(auth_role_can("cashier", "contracts.billing"));
}

static void test_outbox_scope(void **state)
{
    (void)state;
    int64_t sites[] = { 3 };
    auth_user_t op = { .id = 1, .role = "operator", .all_sites = 1 };
    auth_user_t scoped_admin = { .id = 2, .role = "admin", .sites = sites, .nsites = 1 };
    /* Staff alerts (no site) are an administrator's, whatever their sites. */
    assert_false(outboxview_can_see(&op, 0));
    assert_true(outboxview_can_see(&op, 7));
    assert_true(outboxview_can_see(&scoped_admin, 0));
    assert_true(outboxview_can_see(&scoped_admin, 3));
    assert_false(outboxview_can_see(&scoped_admin, 7));
    assert_false(outboxview_can_see(NULL, 0));
}

static void test_site_scope(void **state)
{
    (void)state;
    int64_t sites[] = { 3, 9 };
    auth_user_t scoped = { .id = 1, .role = "operator", .sites = sites, .nsites = 2 };
    auth_user_t all = { .id = 2, .role = "admin", .all_sites = 1 };
    assert_true(auth_can_see_site(&scoped, 3));
    assert_true(auth_can_see_site(&scoped, 9));
    assert_false(auth_can_see_site(&scoped, 4));
    assert_false(auth_can_see_site(&scoped, 0));
    assert_true(auth_can_see_site(&all, 12345));
    assert_false(auth_can_see_site(NULL, 3));
}

static void test_csrf(void **state)
{
    (void)state;
    char tok[AUTH_TOKEN_LEN], other[AUTH_TOKEN_LEN], csrf[AUTH_TOKEN_LEN];
    secret_token(tok, sizeof tok, 32);
    secret_token(other, sizeof other, 32);
    assert_int_equal(strlen(tok), AUTH_TOKEN_LEN - 1);
    auth_csrf_for(tok, csrf);
    assert_true(auth_csrf_valid(tok, csrf));
    assert_false(auth_csrf_valid(other, csrf));
    assert_false(auth_csrf_valid(tok, ""));
    assert_false(auth_csrf_valid(tok, NULL));
    assert_false(auth_csrf_valid("", csrf));
    char almost[AUTH_TOKEN_LEN];
    memcpy(almost, csrf, sizeof almost);
    almost[0] = almost[0] == 'A' ? 'B' : 'A';
    assert_false(auth_csrf_valid(tok, almost));
}

static void test_passwords(void **state)
{
    (void)state;
    char h[256];
    /* Small cost keeps the test fast; the scheme is what is checked. */
    assert_int_equal(secret_password_hash(h, sizeof h, "correct horse battery", 1, 8192), 0);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_true(secret_password_verify(h, "correct horse battery"));
    assert_false(secret_password_verify(h, "correct horse batterY"));
    const char *why;
    assert_false(auth_password_acceptable("short", &why));
    assert_string_equal(why, "password_too_short");
    assert_true(auth_password_acceptable("long enough pw", &why));
}

static void test_token_hash(void **state)
{
    (void)state;
    char a[SECRET_HASH_HEX], b[SECRET_HASH_HEX];
    secret_token_hash_hex(a, "abc");
    secret_token_hash_hex(b, "abd");
    assert_int_equal(strlen(a), 64);
    assert_string_not_equal(a, b);
    /* BLAKE2b-256("abc"), the published test value */
    assert_string_equal(a, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    char d[7];
    secret_digits(d, 6);
    assert_int_equal(strlen(d), 6);
    for (int i = 0; i < 6; i++) assert_true(d[i] >= '0' && d[i] <= '9');
}

static void test_secret_box(void **state)
{
    (void)state;
    uint8_t key[SECRET_KEY_LEN], wrong[SECRET_KEY_LEN];
    memset(key, 7, sizeof key);
    memset(wrong, 8, sizeof wrong);
    const char *msg = "PIN 4711";
    uint8_t box[128];
    char out[64] = { 0 };
    secret_box_seal(box, msg, strlen(msg), key);
    size_t blen = secret_box_len(strlen(msg));
    assert_int_equal(secret_box_open(out, box, blen, key), 0);
    assert_string_equal(out, msg);
    assert_int_not_equal(secret_box_open(out, box, blen, wrong), 0);
    box[blen - 1] ^= 1;
    assert_int_not_equal(secret_box_open(out, box, blen, key), 0);
}

static audit_row_t sample_row(void)
{
    audit_row_t r = { .id = 5, .at = "2026-11-23 07:00:00.123456", .actor_type = "staff", .actor_id = 2,
                      .actor_name = "alice", .ip = "127.0.0.1", .action = "cell.update", .object_type = "cell",
                      .object_id = 77, .site_id = 3, .detail = "{\"label\":\"A-01\"}",
                      .prev_hash = "0000000000000000000000000000000000000000000000000000000000000000" };
    return r;
}

static void test_audit_hash(void **state)
{
    (void)state;
    audit_row_t r = sample_row();
    char h1[65], h2[65];
    audit_row_hash(&r, h1);
    audit_row_hash(&r, h2);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    /* Every field is covered: changing any one changes the hash. */
    audit_row_t m = r; m.id = 6; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.at = "2026-11-23 07:00:00.123457"; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.actor_name = "mallory"; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.object_id = 78; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.site_id = 0; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.detail = "{}"; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    m = r; m.prev_hash = "1000000000000000000000000000000000000000000000000000000000000000"; audit_row_hash(&m, h2); assert_string_not_equal(h1, h2);
    /* Field boundaries matter: moving a character between fields changes the hash. */
    audit_row_t x = r, y = r;
    x.actor_name = "ab"; x.ip = "c";
    y.actor_name = "a"; y.ip = "bc";
    audit_row_hash(&x, h1);
    audit_row_hash(&y, h2);
    assert_string_not_equal(h1, h2);
}

static void test_migration_names(void **state)
{
    (void)state;
    assert_int_equal(migrate_version_of("0001_core.sql"), 1);
    assert_int_equal(migrate_version_of("0042_add_ledger_2.sql"), 42);
    assert_int_equal(migrate_version_of("001_core.sql"), -1);
    assert_int_equal(migrate_version_of("0001-core.sql"), -1);
    assert_int_equal(migrate_version_of("0001_Core.sql"), -1);
    assert_int_equal(migrate_version_of("0000_zero.sql"), -1);
    assert_int_equal(migrate_version_of("0001_core.sql~"), -1);
    assert_int_equal(migrate_version_of("README"), -1);
}

static void test_inventory_validation(void **state)
{
    (void)state;
    inv_error_t e;
    inv_site_t s = { .name = "Main", .time_zone = "Europe/Berlin", .currency = "EUR", .languages = "en,ru" };
    assert_int_equal(inv_validate_site(&s, "en,ru", &e), 0);
    s.time_zone = "Mars/Olympus"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1); assert_string_equal(e.code, "bad_time_zone");
    s.time_zone = "../../etc/passwd"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1);
    s.time_zone = "UTC"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), 0);
    s.currency = "eur"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1); assert_string_equal(e.field, "currency");
    s.currency = "EUR"; s.languages = "de"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1); assert_string_equal(e.field, "languages");
    s.languages = ""; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1);
    s.languages = "e"; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1);
    s.languages = "en"; s.name = "   "; assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1); assert_string_equal(e.code, "required");

    /* Billing policy: each field refused by name; a site without one is fine. */
    s.name = "Main";
    inv_billing_t bp = { "daily", 5, 10, 30, 3 };
    s.billing = &bp;
    assert_int_equal(inv_validate_site(&s, "en,ru", &e), 0);
    bp.prorate = "weekly"; assert_int_equal(inv_validate_billing(&bp, &e), -1); assert_string_equal(e.field, "bill_prorate");
    assert_int_equal(inv_validate_site(&s, "en,ru", &e), -1); assert_string_equal(e.code, "bad_prorate");
    bp.prorate = "none"; bp.notice_days = 61; assert_int_equal(inv_validate_billing(&bp, &e), -1); assert_string_equal(e.field, "bill_notice_days");
    bp.notice_days = 0; assert_int_equal(inv_validate_billing(&bp, &e), 0);
    bp.overdue_days = 0; assert_int_equal(inv_validate_billing(&bp, &e), -1); assert_string_equal(e.field, "bill_overdue_days");
    bp.overdue_days = 365; bp.suspend_days = 365; assert_int_equal(inv_validate_billing(&bp, &e), -1);
    assert_string_equal(e.code, "suspend_before_overdue");
    bp.overdue_days = 364; assert_int_equal(inv_validate_billing(&bp, &e), 0);
    bp.suspend_days = 366; assert_int_equal(inv_validate_billing(&bp, &e), -1); assert_string_equal(e.code, "bad_suspend_days");
    bp.suspend_days = 365; bp.max_periods = 25; assert_int_equal(inv_validate_billing(&bp, &e), -1); assert_string_equal(e.field, "bill_max_periods");
    bp.max_periods = 24; assert_int_equal(inv_validate_billing(&bp, &e), 0);
    bp.max_periods = 0; assert_int_equal(inv_validate_billing(&bp, &e), -1);
    s.billing = NULL; assert_int_equal(inv_validate_site(&s, "en,ru", &e), 0);

    assert_true(inv_valid_features(""));
    assert_true(inv_valid_features("charging,refrigerated"));
    assert_false(inv_valid_features("charging,"));
    assert_false(inv_valid_features(",charging"));
    assert_false(inv_valid_features("laser"));
    assert_true(inv_valid_size("XL"));
    assert_false(inv_valid_size("XXL"));

    inv_bank_t b = { .site_id = 1, .name = "A", .columns = 6, .ngroups = 1,
                     .groups = { { .size = "S", .count = 24, .width_mm = 400, .height_mm = 100, .depth_mm = 500, .features = "" } } };
    assert_int_equal(inv_validate_bank(&b, &e), 0);
    b.groups[0].count = 0; assert_int_equal(inv_validate_bank(&b, &e), -1); assert_string_equal(e.code, "no_cells");
    b.groups[0].count = 501; assert_int_equal(inv_validate_bank(&b, &e), -1); assert_string_equal(e.code, "bad_count");
    b.groups[0].count = 10; b.groups[0].depth_mm = 10; assert_int_equal(inv_validate_bank(&b, &e), -1); assert_string_equal(e.code, "bad_dimensions");
    b.groups[0].depth_mm = 500; b.columns = 0; assert_int_equal(inv_validate_bank(&b, &e), -1); assert_string_equal(e.field, "columns");

    inv_cell_t c = { .label = "A-01", .size = "M", .features = "heated", .width_mm = 400, .height_mm = 200, .depth_mm = 500 };
    assert_int_equal(inv_validate_cell(&c, &e), 0);
    c.size = "m"; assert_int_equal(inv_validate_cell(&c, &e), -1); assert_string_equal(e.code, "bad_size");
    int w, h, d;
    assert_true(inv_default_dims("L", &w, &h, &d));
    assert_int_equal(h, 400);
    assert_false(inv_default_dims("Q", &w, &h, &d));
}

static void test_fragcache(void **state)
{
    (void)state;
    fragcache_t *c = fragcache_new(2, 100);
    size_t len;
    assert_null(fragcache_get(c, "a", &len));
    fragcache_put(c, "a", strdup("AAAA"), 4);
    fragcache_put(c, "b", strdup("BB"), 2);
    assert_string_equal(fragcache_get(c, "a", &len), "AAAA");   /* a is now the newest */
    assert_int_equal(len, 4);
    fragcache_put(c, "c", strdup("C"), 1);                       /* evicts b, the least recent */
    assert_null(fragcache_get(c, "b", &len));
    assert_non_null(fragcache_get(c, "a", &len));
    assert_non_null(fragcache_get(c, "c", &len));
    char *big = malloc(200);
    memset(big, 'x', 199); big[199] = 0;
    fragcache_put(c, "big", big, 199);                           /* over the byte bound: refused */
    assert_null(fragcache_get(c, "big", &len));
    fragcache_put(c, "a", strdup("NEW"), 3);                     /* replace */
    assert_string_equal(fragcache_get(c, "a", &len), "NEW");
    fragcache_free(c);
}

/* Escaping is on by default: a template that prints user data cannot
 * emit markup.  Uses a throw-away template directory. */
static void test_render_escapes(void **state)
{
    (void)state;
    char dir[] = "/tmp/sr-render-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/lang", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/lang/en.hdf", dir);
    FILE *f = fopen(path, "w");
    fputs("language_name = English\ngreet = Hello\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/t.cs", dir);
    f = fopen(path, "w");
    fputs("[<?cs var:Lang.greet ?>][<?cs var:X ?>][<?cs var:url_escape(X) ?>][<?cs alt:X ?><?cs /alt ?>]", f);
    fclose(f);
    char err[256];
    render_t *r = render_new(dir, "en", "en", err, sizeof err);
    assert_non_null(r);
    render_set(r, "<script>alert('x')</script>&\"", "X");
    char *out;
    size_t len;
    assert_int_equal(render_string(r, "t.cs", &out, &len), 0);
    /* The last part shows why templates never use alt: ClearSilver does
     * not apply the escape mode to it (test_templates_avoid_alt). */
    assert_string_equal(out, "[Hello][&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;]"
                             "[%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E%26%22][<script>alert('x')</script>&\"]");
    free(out);
    /* After a reset the request's data is gone, the language stays. */
    render_reset(r);
    assert_int_equal(render_string(r, "t.cs", &out, &len), 0);
    assert_string_equal(out, "[Hello][][][]");
    free(out);
    render_free(r);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

/* Every string exists in every language: walk one file's keys and look
 * each up in the other.  Runs from the repository root. */
static int missing_keys(HDF *node, HDF *other_root, const char *prefix, char *first_missing, size_t n)
{
    int missing = 0;
    for (HDF *c = hdf_obj_child(node); c; c = hdf_obj_next(c)) {
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", hdf_obj_name(c));
        if (hdf_obj_child(c)) missing += missing_keys(c, other_root, key, first_missing, n);
        else if (!hdf_get_value(other_root, key, NULL)) {
            if (!missing && !*first_missing) snprintf(first_missing, n, "%s", key);
            missing++;
        }
    }
    return missing;
}

static void test_lang_parity(void **state)
{
    (void)state;
    HDF *en, *ru;
    assert_null(hdf_init(&en));
    assert_null(hdf_init(&ru));
    char path[700];
    assert_null(render_read_lang(en, "templates", "en", path, sizeof path));
    assert_null(render_read_lang(ru, "templates", "ru", path, sizeof path));
    char first[256] = "";
    int a = missing_keys(en, ru, "", first, sizeof first);
    if (a) fprintf(stderr, "ru.hdf lacks %d keys, first: %s\n", a, first);
    first[0] = '\0';
    int b = missing_keys(ru, en, "", first, sizeof first);
    if (b) fprintf(stderr, "en.hdf lacks %d keys, first: %s\n", b, first);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    hdf_destroy(&en);
    hdf_destroy(&ru);
}

/* ClearSilver's alt: prints its value without the HTML escape mode, so
 * no template may use it; if/else with var: does the same safely. */
static void test_templates_avoid_alt(void **state)
{
    (void)state;
    FILE *p = popen("grep -rln --include='*.cs' '<?cs *alt:' templates", "r");
    assert_non_null(p);
    char line[512], found[2048] = "";
    while (fgets(line, sizeof line, p)) strncat(found, line, sizeof found - strlen(found) - 1);
    pclose(p);
    if (*found) fprintf(stderr, "templates using alt:\n%s", found);
    assert_string_equal(found, "");
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(utf8_valid("plain", 5));
    assert_true(utf8_valid("ячейка 🔒", strlen("ячейка 🔒")));
    assert_false(utf8_valid("\xff", 1));
    assert_false(utf8_valid("\xc3", 1));                 /* truncated */
    assert_false(utf8_valid("\xc0\xaf", 2));            /* overlong '/' */
    assert_false(utf8_valid("\xed\xa0\x80", 3));        /* surrogate */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4));    /* above U+10FFFF */
    assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));     /* U+10FFFF */
    assert_int_equal(utf8_chars("ячейка 🔒"), 8);
    assert_int_equal(utf8_chars(""), 0);
}

/* LIKE patterns match the text literally, with '!' as the escape. */
static void test_like_pattern(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_string_equal(db_like_pattern(a, "cell.", 0), "cell.%");
    assert_string_equal(db_like_pattern(a, "50%_off!", 1), "%50!%!_off!!%");
    assert_string_equal(db_like_pattern(a, "", 1), "%%");
    arena_free(a);
}

int main(void)
{
    secret_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_match),
        cmocka_unit_test(test_web_id),
        cmocka_unit_test(test_status_text),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_site_scope),
        cmocka_unit_test(test_outbox_scope),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_secret_box),
        cmocka_unit_test(test_audit_hash),
        cmocka_unit_test(test_migration_names),
        cmocka_unit_test(test_inventory_validation),
        cmocka_unit_test(test_fragcache),
        cmocka_unit_test(test_render_escapes),
        cmocka_unit_test(test_lang_parity),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_templates_avoid_alt),
        cmocka_unit_test(test_like_pattern),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
