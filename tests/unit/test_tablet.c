/* Unit tests for the pure parts of lib/tablet.c: pairing codes (alphabet,
 * length, randomness, what a person may type) and tablet names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tablet.h"
#include "secret.h"

static void new_codes_use_the_alphabet(void **state)
{
    (void)state;
    char code[TABLET_CODE_LEN];
    for (int i = 0; i < 500; i++) {
        tablet_code_new(code);
        assert_int_equal(strlen(code), TABLET_CODE_CHARS);
        for (int k = 0; k < TABLET_CODE_CHARS; k++) assert_non_null(strchr(TABLET_CODE_ALPHABET, code[k]));
        /* What we hand out is what we accept back. */
        char norm[TABLET_CODE_LEN];
        assert_int_equal(tablet_code_normalize(code, norm), 0);
        assert_string_equal(norm, code);
    }
}

static void new_codes_differ(void **state)
{
    (void)state;
    char a[TABLET_CODE_LEN], b[TABLET_CODE_LEN];
    int same = 0;
    for (int i = 0; i < 200; i++) {
        tablet_code_new(a);
        tablet_code_new(b);
        same += !strcmp(a, b);
    }
    assert_true(same < 2);
}

static void no_confusable_characters(void **state)
{
    (void)state;
    for (const char *c = "0O1IL2Z5S8B"; *c; c++) assert_null(strchr(TABLET_CODE_ALPHABET, *c));
}

static void typed_codes_are_normalised(void **state)
{
    (void)state;
    char out[TABLET_CODE_LEN];
    assert_int_equal(tablet_code_normalize("34679ACD", out), 0); assert_string_equal(out, "34679ACD");
    assert_int_equal(tablet_code_normalize("3467 9acd", out), 0); assert_string_equal(out, "34679ACD");
    assert_int_equal(tablet_code_normalize(" 3467-9ACD ", out), 0); assert_string_equal(out, "34679ACD");
    assert_int_equal(tablet_code_normalize("\t34 67 9a cd", out), 0); assert_string_equal(out, "34679ACD");
}

static void bad_codes_are_refused(void **state)
{
    (void)state;
    char out[TABLET_CODE_LEN];
    const char *bad[] = { "", "3467", "34679ACD3", "34679AC0", "34679ACO", "34679AC!", "<script>", "' OR '1'='1",
                          "34679ACDEFGHJKMN", "3467\n9ACD", "34679ACÄ", NULL };
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(tablet_code_normalize(bad[i], out), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(tablet_code_normalize(NULL, out), -1);
}

static void names(void **state)
{
    (void)state;
    inv_error_t e = { 0 };
    assert_int_equal(tablet_validate_name("Front desk", &e), 0);
    assert_int_equal(tablet_validate_name("Планшет у входа", &e), 0);
    assert_int_equal(tablet_validate_name("", &e), -1); assert_string_equal(e.code, "required");
    assert_int_equal(tablet_validate_name("   ", &e), -1); assert_string_equal(e.code, "required");
    assert_int_equal(tablet_validate_name(NULL, &e), -1);
    char long_name[200];
    memset(long_name, 'x', 121);
    long_name[121] = '\0';
    assert_int_equal(tablet_validate_name(long_name, &e), -1); assert_string_equal(e.code, "too_long");
    long_name[120] = '\0';
    assert_int_equal(tablet_validate_name(long_name, &e), 0);
    /* 120 characters of two bytes each are still 120 characters. */
    char cyr[300];
    size_t len = 0;
    for (int i = 0; i < 120; i++, len += 2) memcpy(cyr + len, "я", 2);
    cyr[len] = '\0';
    assert_int_equal(tablet_validate_name(cyr, &e), 0);
    memcpy(cyr + len, "я", 3);                 /* one more, and the NUL */
    assert_int_equal(tablet_validate_name(cyr, &e), -1);
}

int main(void)
{
    if (secret_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_codes_use_the_alphabet),
        cmocka_unit_test(new_codes_differ),
        cmocka_unit_test(no_confusable_characters),
        cmocka_unit_test(typed_codes_are_normalised),
        cmocka_unit_test(bad_codes_are_refused),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests_name("tablet", tests, NULL, NULL);
}
