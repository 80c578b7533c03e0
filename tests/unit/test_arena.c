/* Unit tests for lib/arena.c: alignment, zeroing, blocks bigger than a
 * chunk, reuse after reset, size overflow, and the string helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

static int setup_small(void **state)
{
    *state = arena_new(256);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

static int aligned16(const void *p) { return ((uintptr_t)p & 15u) == 0; }

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static void default_chunk_size(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_non_null(a);
    assert_int_equal(arena_used(a), 0);
    /* 64 KiB is the default: two 32 KiB blocks fit the first chunk back to back. */
    unsigned char *p = arena_alloc(a, 32 * 1024);
    unsigned char *q = arena_alloc(a, 32 * 1024);
    assert_non_null(p);
    assert_ptr_equal(q, p + 32 * 1024);
    assert_int_equal(arena_used(a), 64 * 1024);
    arena_free(a);
    arena_free(NULL);                      /* harmless */
}

static void alignment_is_16(void **state)
{
    arena_t *a = *state;
    for (size_t n = 0; n < 300; n++) {
        void *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_true(aligned16(p));
    }
    /* blocks bigger than a chunk and the strings are aligned too */
    assert_true(aligned16(arena_alloc(a, 10000)));
    assert_true(aligned16(arena_strdup(a, "x")));
    assert_true(aligned16(arena_printf(a, "%d", 7)));
    assert_true(aligned16(arena_alloc(a, 3)));
}

static void sizes_round_up_to_16(void **state)
{
    arena_t *a = *state;
    unsigned char *p = arena_alloc(a, 1);
    unsigned char *q = arena_alloc(a, 17);
    unsigned char *r = arena_alloc(a, 16);
    assert_ptr_equal(q, p + 16);
    assert_ptr_equal(r, q + 32);
    assert_int_equal(arena_used(a), 16 + 32 + 16);
    assert_non_null(arena_alloc(a, 0));
    assert_int_equal(arena_used(a), 64);
}

static void memory_is_zeroed(void **state)
{
    arena_t *a = *state;
    unsigned char *p = arena_alloc(a, 200);
    assert_true(all_zero(p, 200));
    memset(p, 0xAA, 200);
    arena_reset(a);
    /* the same memory comes back, dirty from before, and must be zeroed */
    unsigned char *q = arena_alloc(a, 200);
    assert_ptr_equal(q, p);
    assert_true(all_zero(q, 200));

    unsigned char *big = arena_alloc(a, 5000);
    assert_true(all_zero(big, 5000));
    memset(big, 0x55, 5000);
    arena_reset(a);
    big = arena_alloc(a, 5000);
    assert_true(all_zero(big, 5000));
}

static void big_blocks_leave_current_chunk_usable(void **state)
{
    arena_t *a = *state;                   /* chunk of 256 */
    unsigned char *p = arena_alloc(a, 100);
    unsigned char *big = arena_alloc(a, 1000);
    unsigned char *q = arena_alloc(a, 100);
    assert_non_null(big);
    assert_ptr_not_equal(big, p);
    memset(big, 0x7f, 1000);               /* all of it is ours */
    assert_int_equal(big[999], 0x7f);
    /* the small block continues right after p in the same chunk */
    assert_ptr_equal(q, p + 112);
    assert_int_equal(arena_used(a), 112 + 1008 + 112);
    assert_true(all_zero(p, 100));
    assert_true(all_zero(q, 100));

    /* exactly one chunk is a normal chunk, not a one-off block */
    unsigned char *r = arena_alloc(a, 256);
    assert_non_null(r);
    assert_ptr_not_equal(r, p);
    memset(r, 1, 256);
    assert_true(all_zero(q, 100));
}

static void chunks_do_not_overlap(void **state)
{
    arena_t *a = *state;
    enum { N = 64 };
    unsigned char *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = arena_alloc(a, 48);       /* 5 per 256-byte chunk */
        assert_non_null(p[i]);
        memset(p[i], i + 1, 48);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 48; j++)
            assert_int_equal(p[i][j], i + 1);
    assert_int_equal(arena_used(a), N * 48);
}

static void reset_reuses_first_chunk(void **state)
{
    arena_t *a = *state;
    unsigned char *first = arena_alloc(a, 32);
    for (int i = 0; i < 100; i++)          /* spill into many more chunks */
        assert_non_null(arena_alloc(a, 200));
    assert_int_equal(arena_used(a), 32 + 100 * 208);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    assert_ptr_equal(arena_alloc(a, 32), first);

    /* many request-sized cycles keep working (and leak nothing under ASan) */
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 20; i++) {
            char *s = arena_printf(a, "round %d item %d", round, i);
            assert_non_null(s);
        }
        assert_non_null(arena_alloc(a, 4096));
        arena_reset(a);
        assert_int_equal(arena_used(a), 0);
    }
    assert_non_null(arena_alloc(a, 1));
}

static void overflowing_sizes_fail_cleanly(void **state)
{
    arena_t *a = *state;
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_alloc(a, SIZE_MAX - 14));
    /* rounds to itself, but a chunk header on top no longer fits in size_t */
    assert_null(arena_alloc(a, SIZE_MAX - 15));
    assert_null(arena_alloc(a, SIZE_MAX - 31));
    assert_int_equal(arena_used(a), 0);
    /* the arena still works afterwards */
    char *s = arena_strdup(a, "still fine");
    assert_string_equal(s, "still fine");
    assert_int_equal(arena_used(a), 16);
}

static void strdup_and_strndup(void **state)
{
    arena_t *a = *state;
    assert_null(arena_strdup(a, NULL));
    assert_null(arena_strndup(a, NULL, 5));
    assert_string_equal(arena_strdup(a, ""), "");
    assert_string_equal(arena_strdup(a, "locker 17"), "locker 17");
    assert_string_equal(arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(arena_strndup(a, "hello", 0), "");
    assert_string_equal(arena_strndup(a, "hello", 5), "hello");

    /* strndup copies exactly n bytes, NULs included, and terminates */
    const char bin[] = { 'a', '\0', 'b', 'c' };
    char *d = arena_strndup(a, bin, sizeof bin);
    assert_memory_equal(d, bin, sizeof bin);
    assert_int_equal(d[4], '\0');

    /* a copy is a copy */
    char src[] = "mutable";
    char *c = arena_strdup(a, src);
    src[0] = 'X';
    assert_string_equal(c, "mutable");
    assert_ptr_not_equal(c, src);

    /* longer than a chunk */
    char longs[1000];
    memset(longs, 'z', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    char *l = arena_strdup(a, longs);
    assert_int_equal(strlen(l), 999);
    assert_string_equal(l, longs);
}

static char *vp(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *vp(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static void printf_formats(void **state)
{
    arena_t *a = *state;
    assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "bank", 42, 3.14159), "bank-42-003.1");
    assert_string_equal(arena_printf(a, "%s", ""), "");
    assert_string_equal(arena_printf(a, "%%%c%x", 'A', 255u), "%Aff");
    assert_string_equal(vp(a, "cell %s/%02d", "B", 7), "cell B/07");
    assert_string_equal(arena_printf(a, "%s", "\xd0\xaf\xd1\x87\xd0\xb5\xd0\xb9\xd0\xba\xd0\xb0"),
                        "\xd0\xaf\xd1\x87\xd0\xb5\xd0\xb9\xd0\xba\xd0\xb0");

    /* output longer than a chunk */
    char *w = arena_printf(a, "%0700d|", 5);
    assert_int_equal(strlen(w), 701);
    assert_int_equal(w[0], '0');
    assert_int_equal(w[698], '0');
    assert_int_equal(w[699], '5');
    assert_int_equal(w[700], '|');

    /* the arguments are used once even though the length is measured first */
    char *twice = vp(a, "%s%s", "ab", "cd");
    assert_string_equal(twice, "abcd");
}

static void many_allocations(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    assert_non_null(a);
    enum { N = 20000 };
    unsigned char **p = calloc(N, sizeof *p);
    size_t *len = calloc(N, sizeof *len);
    assert_non_null(p);
    assert_non_null(len);
    size_t expect = 0;
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        len[i] = (seed >> 16) % 700;          /* some over 4096/8, none over the chunk */
        if (i % 1000 == 999) len[i] = 9000;   /* and a few bigger than a chunk */
        p[i] = arena_alloc(a, len[i]);
        assert_non_null(p[i]);
        assert_true(aligned16(p[i]));
        assert_true(all_zero(p[i], len[i]));
        memset(p[i], (i * 7) & 0xff, len[i]);
        expect += (len[i] + 15) & ~(size_t)15;
    }
    assert_int_equal(arena_used(a), expect);
    for (int i = 0; i < N; i++)
        for (size_t j = 0; j < len[i]; j++)
            if (p[i][j] != ((i * 7) & 0xff)) fail_msg("block %d byte %zu overwritten", i, j);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    free(p);
    free(len);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_chunk_size),
        cmocka_unit_test_setup_teardown(alignment_is_16, setup_small, teardown),
        cmocka_unit_test_setup_teardown(sizes_round_up_to_16, setup_small, teardown),
        cmocka_unit_test_setup_teardown(memory_is_zeroed, setup_small, teardown),
        cmocka_unit_test_setup_teardown(big_blocks_leave_current_chunk_usable, setup_small, teardown),
        cmocka_unit_test_setup_teardown(chunks_do_not_overlap, setup_small, teardown),
        cmocka_unit_test_setup_teardown(reset_reuses_first_chunk, setup_small, teardown),
        cmocka_unit_test_setup_teardown(overflowing_sizes_fail_cleanly, setup_small, teardown),
        cmocka_unit_test_setup_teardown(strdup_and_strndup, setup_small, teardown),
        cmocka_unit_test_setup_teardown(printf_formats, setup_small, teardown),
        cmocka_unit_test(many_allocations),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
