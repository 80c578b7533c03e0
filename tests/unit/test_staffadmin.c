/* Unit tests for lib/staffadmin.c: the pure rules for staff users. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>
#include "staffadmin.h"

static const int64_t sites_12[] = { 1, 2 };
static const auth_user_t global_admin = { .id = 7, .session_id = 70, .username = "root", .role = "admin", .all_sites = 1 };
static const auth_user_t scoped_admin = { .id = 8, .session_id = 80, .username = "boss", .role = "admin",
                                          .all_sites = 0, .sites = sites_12, .nsites = 2 };

static staffadmin_user_t good_new_user(void)
{
    static const int64_t one[] = { 1 };
    staffadmin_user_t u = { .id = 0, .username = "jane.doe", .display_name = "Jane Doe", .role = "operator",
                            .password = "correct horse battery", .all_sites = 0, .active = 1,
                            .sites = one, .nsites = 1 };
    return u;
}

static void usernames(void **state)
{
    (void)state;
    assert_true(staffadmin_valid_username("abc"));
    assert_true(staffadmin_valid_username("A.b-c_9"));
    char max[65];
    memset(max, 'x', 64);
    max[64] = '\0';
    assert_true(staffadmin_valid_username(max));
    max[63] = '\0';
    assert_true(staffadmin_valid_username(max));

    char over[66];
    memset(over, 'x', 65);
    over[65] = '\0';
    assert_false(staffadmin_valid_username(over));
    assert_false(staffadmin_valid_username("ab"));
    assert_false(staffadmin_valid_username(""));
    assert_false(staffadmin_valid_username(NULL));
    assert_false(staffadmin_valid_username("a b"));
    assert_false(staffadmin_valid_username("x'; DROP TABLE staff_users; --"));
    assert_false(staffadmin_valid_username("<script>"));
    assert_false(staffadmin_valid_username("j\xc3\xa4ger"));   /* non-ASCII letter */
    assert_false(staffadmin_valid_username("tab\there"));
}

static void parse_sites(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    int64_t *ids;
    int n;
    const char *ok[] = { "3", "12", "3", "900000000000000000" };
    assert_int_equal(staffadmin_parse_sites(a, ok, 4, &ids, &n), 0);
    assert_int_equal(n, 3);                       /* the repeated 3 is dropped */
    assert_int_equal(ids[0], 3);
    assert_int_equal(ids[1], 12);
    assert_int_equal(ids[2], 900000000000000000LL);

    assert_int_equal(staffadmin_parse_sites(a, NULL, 0, &ids, &n), 0);
    assert_int_equal(n, 0);

    const char *bad[][1] = { { "0" }, { "-1" }, { "" }, { "1x" }, { "1 OR 1=1" }, { "9999999999999999999" }, { " 1" } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(staffadmin_parse_sites(a, bad[i], 1, &ids, &n), -1);
    arena_free(a);
}

static void scope(void **state)
{
    (void)state;
    const int64_t s1[] = { 1 }, s13[] = { 1, 3 };
    assert_true(staffadmin_can_manage(&global_admin, 1, NULL, 0));
    assert_true(staffadmin_can_manage(&global_admin, 0, s13, 2));
    assert_false(staffadmin_can_manage(&scoped_admin, 1, NULL, 0));
    assert_true(staffadmin_can_manage(&scoped_admin, 0, s1, 1));
    assert_true(staffadmin_can_manage(&scoped_admin, 0, sites_12, 2));
    assert_false(staffadmin_can_manage(&scoped_admin, 0, s13, 2));
    assert_false(staffadmin_can_manage(NULL, 0, s1, 1));
}

#define ASSERT_FAILS(u, editor, f, c) do { \
        inv_error_t e_ = { 0 }; \
        assert_int_equal(staffadmin_validate(&(u), (editor), &e_), -1); \
        assert_string_equal(e_.field, (f)); \
        assert_string_equal(e_.code, (c)); \
    } while (0)

static void validate_fields(void **state)
{
    (void)state;
    staffadmin_user_t u = good_new_user();
    inv_error_t err = { 0 };
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
    assert_null(err.code);

    u = good_new_user(); u.username = "no way";              ASSERT_FAILS(u, &global_admin, "username", "bad_username");
    u = good_new_user(); u.role = "superuser";               ASSERT_FAILS(u, &global_admin, "role", "bad_role");
    u = good_new_user(); u.role = NULL;                      ASSERT_FAILS(u, &global_admin, "role", "bad_role");
    u = good_new_user(); u.password = "";                    ASSERT_FAILS(u, &global_admin, "password", "required");
    u = good_new_user(); u.password = NULL;                  ASSERT_FAILS(u, &global_admin, "password", "required");
    u = good_new_user(); u.password = "short";               ASSERT_FAILS(u, &global_admin, "password", "password_too_short");
    u = good_new_user(); u.nsites = 0;                       ASSERT_FAILS(u, &global_admin, "sites", "no_sites");

    /* All sites needs no list. */
    u = good_new_user(); u.all_sites = 1; u.nsites = 0;
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);

    /* An edit may leave the password empty, but not set a weak one. */
    u = good_new_user(); u.id = 42; u.password = "";
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
    u.password = "123456789";                                ASSERT_FAILS(u, &global_admin, "password", "password_too_short");
}

static void validate_display_name(void **state)
{
    (void)state;
    staffadmin_user_t u = good_new_user();
    inv_error_t err = { 0 };
    u.display_name = "";
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);

    /* 120 Cyrillic letters are 240 bytes but fit; 121 do not. */
    char name[2 * 121 + 1] = "";
    for (int i = 0; i < 120; i++) strcat(name, "\xd0\xaf");
    u.display_name = name;
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
    strcat(name, "\xd0\xaf");
    ASSERT_FAILS(u, &global_admin, "display_name", "too_long");

    u.display_name = "line\nbreak";                          ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "bad \xff byte";                        ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "overlong \xc0\xaf";                    ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "cut \xd0";                             ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "del \x7f";                             ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "c1 \xc2\x85 next line";                ASSERT_FAILS(u, &global_admin, "display_name", "invalid");
    u.display_name = "\xc2\xa0no-break space is fine";
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
    /* Markup is text, not an error: it is escaped when shown. */
    u.display_name = "<script>alert(1)</script>";
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
}

static void validate_scope(void **state)
{
    (void)state;
    const int64_t s3[] = { 3 };
    staffadmin_user_t u = good_new_user();
    inv_error_t err = { 0 };
    assert_int_equal(staffadmin_validate(&u, &scoped_admin, &err), 0);
    u.all_sites = 1;                                         ASSERT_FAILS(u, &scoped_admin, "sites", "bad_sites");
    u = good_new_user(); u.sites = s3;                       ASSERT_FAILS(u, &scoped_admin, "sites", "bad_sites");
    assert_int_equal(staffadmin_validate(&u, &global_admin, &err), 0);
}

static void validate_self(void **state)
{
    (void)state;
    staffadmin_user_t me = good_new_user();
    me.id = global_admin.id;
    me.role = "admin";
    me.password = "";
    inv_error_t err = { 0 };
    assert_int_equal(staffadmin_validate(&me, &global_admin, &err), 0);
    me.active = 0;                                           ASSERT_FAILS(me, &global_admin, "active", "self_deactivate");
    me.active = 1; me.role = "auditor";                      ASSERT_FAILS(me, &global_admin, "role", "self_demote");
    /* The same changes to somebody else are fine. */
    me.id = 99; me.active = 0;
    assert_int_equal(staffadmin_validate(&me, &global_admin, &err), 0);
}

static void detail_json(void **state)
{
    (void)state;
    const int64_t s[] = { 4, 9 };
    staffadmin_user_t u = good_new_user();
    u.sites = s;
    u.nsites = 2;
    char *j = staffadmin_detail_json(&u, 1);
    assert_non_null(j);
    assert_string_equal(j, "{\"active\":true,\"all_sites\":false,\"display_name\":\"Jane Doe\","
                           "\"password_changed\":true,\"role\":\"operator\",\"sites\":[4,9],"
                           "\"username\":\"jane.doe\"}");
    assert_null(strstr(j, "horse"));                        /* never the password */
    assert_null(strstr(j, "password\":\""));
    free(j);

    u.all_sites = 1;
    u.active = 0;
    u.display_name = "\"quoted\" \\ name";
    j = staffadmin_detail_json(&u, 0);
    assert_non_null(strstr(j, "\"sites\":[]"));              /* all sites: no list */
    assert_non_null(strstr(j, "\"password_changed\":false"));
    assert_non_null(strstr(j, "\"display_name\":\"\\\"quoted\\\" \\\\ name\""));
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usernames),
        cmocka_unit_test(parse_sites),
        cmocka_unit_test(scope),
        cmocka_unit_test(validate_fields),
        cmocka_unit_test(validate_display_name),
        cmocka_unit_test(validate_scope),
        cmocka_unit_test(validate_self),
        cmocka_unit_test(detail_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
