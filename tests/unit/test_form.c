/* Unit tests for lib/form.c: urlencoded bodies and query strings, cookies,
 * multipart/form-data and its boundary, percent-decoding and the kv list.
 * Inputs are copied into exact-size heap buffers so that a sanitizer
 * build catches any read past the length the parser was given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "form.h"

#define CT "multipart/form-data; boundary=XyZ"
#define CD "Content-Disposition: form-data; "

static int setup(void **state)
{
    *state = arena_new(0);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

/* Every list a parser returns must be well formed, even after an error:
 * count matches the chain, tail is the last node, values are terminated. */
static void check_list(const kvlist_t *l)
{
    size_t n = 0;
    const kv_t *last = NULL;
    for (const kv_t *kv = l->head; kv; kv = kv->next) {
        assert_non_null(kv->name);
        assert_non_null(kv->value);
        assert_int_equal(kv->value[kv->len], '\0');
        last = kv;
        n++;
    }
    assert_int_equal(n, l->count);
    assert_ptr_equal(last, l->tail);
}

static const kv_t *nth(const kvlist_t *l, size_t i)
{
    const kv_t *kv = l->head;
    while (kv && i--) kv = kv->next;
    assert_non_null(kv);
    return kv;
}

static char *heap_copy(const char *s, size_t len)
{
    char *c = malloc(len ? len : 1);
    assert_non_null(c);
    memcpy(c, s, len);
    return c;
}

static int urlenc_lim(arena_t *a, const char *s, const form_limits_t *lim, kvlist_t *l)
{
    memset(l, 0, sizeof *l);
    size_t len = strlen(s);
    char *c = heap_copy(s, len);
    int rc = form_parse_urlencoded(a, c, len, lim, l);
    free(c);
    check_list(l);
    return rc;
}

static int urlenc(arena_t *a, const char *s, kvlist_t *l)
{
    return urlenc_lim(a, s, &form_default_limits, l);
}

static int cookies_lim(arena_t *a, const char *s, const form_limits_t *lim, kvlist_t *l)
{
    memset(l, 0, sizeof *l);
    char *c = s ? heap_copy(s, strlen(s) + 1) : NULL;
    int rc = form_parse_cookies(a, c, lim, l);
    free(c);
    check_list(l);
    return rc;
}

static int cookies(arena_t *a, const char *s, kvlist_t *l)
{
    return cookies_lim(a, s, &form_default_limits, l);
}

static int mp_len(arena_t *a, const char *body, size_t len, const char *ct,
                  const form_limits_t *lim, kvlist_t *l)
{
    memset(l, 0, sizeof *l);
    char *c = heap_copy(body, len);
    int rc = form_parse_multipart(a, c, len, ct, lim, l);
    free(c);
    check_list(l);
    return rc;
}

static int mp_ct(arena_t *a, const char *body, const char *ct, kvlist_t *l)
{
    return mp_len(a, body, strlen(body), ct, NULL, l);
}

static int mp(arena_t *a, const char *body, const form_limits_t *lim, kvlist_t *l)
{
    return mp_len(a, body, strlen(body), CT, lim, l);
}

static char *rep(arena_t *a, char c, size_t n)
{
    char *s = arena_alloc(a, n + 1);
    assert_non_null(s);
    memset(s, c, n);
    return s;
}

/* ------------------------------------------------------------ decoding */

static void url_decode_basics(void **state)
{
    (void)state;
    char d[64];
    assert_int_equal(form_url_decode(d, "", 0, 1), 0);
    assert_string_equal(d, "");
    assert_int_equal(form_url_decode(d, "plain", 5, 1), 5);
    assert_string_equal(d, "plain");
    assert_int_equal(form_url_decode(d, "%41%62c", 7, 1), 3);
    assert_string_equal(d, "Abc");
    assert_int_equal(form_url_decode(d, "%aF%Af%af%AF", 12, 0), 4);
    assert_string_equal(d, "\xaf\xaf\xaf\xaf");
    assert_int_equal(form_url_decode(d, "a+b%2Bc", 7, 1), 5);
    assert_string_equal(d, "a b+c");
    assert_int_equal(form_url_decode(d, "a+b%2Bc", 7, 0), 5);
    assert_string_equal(d, "a+b+c");
    assert_int_equal(form_url_decode(d, "%20%25%26", 9, 1), 3);
    assert_string_equal(d, " %&");
    /* only len bytes are read */
    assert_int_equal(form_url_decode(d, "abc%41", 3, 1), 3);
    assert_string_equal(d, "abc");
    /* %00 decodes to a NUL byte: rejecting it is the caller's job */
    assert_int_equal(form_url_decode(d, "a%00b", 5, 1), 3);
    assert_memory_equal(d, "a\0b", 4);
}

static void url_decode_bad_escapes(void **state)
{
    (void)state;
    char d[64];
    const size_t bad = (size_t)-1;
    assert_int_equal(form_url_decode(d, "%", 1, 1), bad);
    assert_int_equal(form_url_decode(d, "%4", 2, 1), bad);
    assert_int_equal(form_url_decode(d, "a%", 2, 1), bad);
    assert_int_equal(form_url_decode(d, "ab%4", 4, 1), bad);
    assert_int_equal(form_url_decode(d, "%zz", 3, 1), bad);
    assert_int_equal(form_url_decode(d, "%g0", 3, 1), bad);
    assert_int_equal(form_url_decode(d, "%0g", 3, 1), bad);
    assert_int_equal(form_url_decode(d, "%%41", 4, 1), bad);
    assert_int_equal(form_url_decode(d, "% 41", 4, 1), bad);
    assert_int_equal(form_url_decode(d, "%-1", 3, 1), bad);
    /* an escape cut short by len is bad even if the buffer goes on */
    assert_int_equal(form_url_decode(d, "%41", 2, 1), bad);
}

static void url_decode_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char src[4], d[4];
        snprintf(src, sizeof src, "%%%02X", b);
        assert_int_equal(form_url_decode(d, src, 3, 1), 1);
        assert_int_equal((unsigned char)d[0], b);
        assert_int_equal(d[1], '\0');
        snprintf(src, sizeof src, "%%%02x", b);
        assert_int_equal(form_url_decode(d, src, 3, 0), 1);
        assert_int_equal((unsigned char)d[0], b);
    }
    /* raw high bytes pass through untouched */
    char d[8];
    assert_int_equal(form_url_decode(d, "\xff\x80\xd0\xaf", 4, 1), 4);
    assert_memory_equal(d, "\xff\x80\xd0\xaf", 5);
}

/* ------------------------------------------------------------ kv list */

static void kv_list(void **state)
{
    arena_t *a = *state;
    kvlist_t l = { 0 };
    assert_null(kv_find(&l, "a"));
    assert_null(kv_value(&l, "a"));
    assert_int_equal(kv_add(a, &l, "a", "1", 1), FORM_OK);
    assert_int_equal(kv_add(a, &l, "b", "", 0), FORM_OK);
    assert_int_equal(kv_add(a, &l, "a", "2", 1), FORM_OK);
    check_list(&l);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.head->name, "a");
    assert_string_equal(l.tail->value, "2");
    assert_string_equal(kv_value(&l, "a"), "1");     /* first wins */
    assert_string_equal(kv_value(&l, "b"), "");
    assert_null(kv_value(&l, "A"));                   /* names are case-sensitive */
    assert_null(kv_value(&l, "c"));
    const kv_t *kv = kv_find(&l, "b");
    assert_ptr_equal(kv, nth(&l, 1));
    assert_int_equal(kv->len, 0);
    assert_null(kv->filename);
    assert_null(kv->content_type);
}

/* ------------------------------------------------------------ urlencoded */

static void urlenc_plain_pairs(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "cell=A-07&pin=1234&bank=north", &l), FORM_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(nth(&l, 0)->name, "cell");
    assert_string_equal(nth(&l, 0)->value, "A-07");
    assert_int_equal(nth(&l, 0)->len, 4);
    assert_string_equal(nth(&l, 1)->name, "pin");
    assert_string_equal(nth(&l, 1)->value, "1234");
    assert_string_equal(nth(&l, 2)->name, "bank");
    assert_string_equal(nth(&l, 2)->value, "north");
    assert_null(nth(&l, 2)->filename);
    assert_null(nth(&l, 2)->content_type);

    /* ';' separates too; an empty buffer is an empty list */
    assert_int_equal(urlenc(a, "a=1;b=2", &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(kv_value(&l, "b"), "2");
    assert_int_equal(urlenc(a, "", &l), FORM_OK);
    assert_int_equal(l.count, 0);
    assert_null(l.head);

    /* NULL limits mean the defaults */
    memset(&l, 0, sizeof l);
    assert_int_equal(form_parse_urlencoded(a, "x=1", 3, NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "x"), "1");

    /* only len bytes count: the rest of the buffer is not ours */
    memset(&l, 0, sizeof l);
    assert_int_equal(form_parse_urlencoded(a, "a=1&b=2", 3, NULL, &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(kv_value(&l, "a"), "1");
    memset(&l, 0, sizeof l);
    assert_int_equal(form_parse_urlencoded(a, "a=123", 4, NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "a"), "12");
}

static void urlenc_decoding(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "name=John+Smith&q=%41b%2B%26%3d%25&first%20name=x+%2B+y", &l), FORM_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(kv_value(&l, "name"), "John Smith");
    assert_string_equal(kv_value(&l, "q"), "Ab+&=%");
    assert_int_equal(kv_find(&l, "q")->len, 6);
    assert_string_equal(nth(&l, 2)->name, "first name");
    assert_string_equal(nth(&l, 2)->value, "x + y");
    /* '+' in a name is a space as well */
    assert_int_equal(urlenc(a, "a+b=c", &l), FORM_OK);
    assert_string_equal(l.head->name, "a b");
}

static void urlenc_empty_values(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "a=&b&c=3&d=", &l), FORM_OK);
    assert_int_equal(l.count, 4);
    assert_string_equal(nth(&l, 0)->name, "a");
    assert_string_equal(nth(&l, 0)->value, "");
    assert_int_equal(nth(&l, 0)->len, 0);
    assert_string_equal(nth(&l, 1)->name, "b");        /* missing '=' */
    assert_string_equal(nth(&l, 1)->value, "");
    assert_int_equal(nth(&l, 1)->len, 0);
    assert_string_equal(nth(&l, 2)->value, "3");
    assert_string_equal(nth(&l, 3)->name, "d");
    assert_string_equal(nth(&l, 3)->value, "");
    /* only the first '=' splits */
    assert_int_equal(urlenc(a, "t=a=b==&u==", &l), FORM_OK);
    assert_string_equal(kv_value(&l, "t"), "a=b==");
    assert_string_equal(kv_value(&l, "u"), "=");
}

static void urlenc_empty_segments(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "a=1&&b=2", &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(nth(&l, 0)->value, "1");
    assert_string_equal(nth(&l, 1)->name, "b");
    assert_int_equal(urlenc(a, "&a=1&;&", &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(kv_value(&l, "a"), "1");
    assert_int_equal(urlenc(a, "&&&;;", &l), FORM_OK);
    assert_int_equal(l.count, 0);
}

static void urlenc_bad_escapes(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "a=%zz", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=%4", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=%", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=%4&b=1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=%G1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "%zz=1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "n%=1", &l), FORM_ERR_SYNTAX);
    /* a bad pair late in the input fails the whole input */
    assert_int_equal(urlenc(a, "a=1&b=2&c=%x1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(l.count, 2);
}

static void urlenc_rejects_nul(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "a=%00", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=x%00y", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a%00b=1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "%00=1", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "ok=1&a=%00", &l), FORM_ERR_SYNTAX);
    /* a raw NUL byte inside the buffer is rejected the same way */
    memset(&l, 0, sizeof l);
    char *c = heap_copy("a=x\0y", 5);
    assert_int_equal(form_parse_urlencoded(a, c, 5, NULL, &l), FORM_ERR_SYNTAX);
    free(c);
}

static void urlenc_empty_name(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "=x", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "=", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=1&=2", &l), FORM_ERR_SYNTAX);
    assert_int_equal(urlenc(a, "a=1;=", &l), FORM_ERR_SYNTAX);
}

static void urlenc_field_limit(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    form_limits_t lim = form_default_limits;
    lim.max_fields = 3;
    assert_int_equal(urlenc_lim(a, "a=1&b=2&c=3", &lim, &l), FORM_OK);
    assert_int_equal(l.count, 3);
    assert_int_equal(urlenc_lim(a, "a=1&b=2&c=3&d=4", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 3);
    /* empty segments do not count */
    assert_int_equal(urlenc_lim(a, "&&a=1&&b=2&&c=3&&", &lim, &l), FORM_OK);
    lim.max_fields = 0;
    assert_int_equal(urlenc_lim(a, "a=1", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(urlenc_lim(a, "", &lim, &l), FORM_OK);

    /* the default is 256 */
    char *s = arena_strdup(a, "");
    for (int i = 0; i < 256; i++) s = arena_printf(a, "%s%sf%d=%d", s, i ? "&" : "", i, i);
    assert_int_equal(urlenc(a, s, &l), FORM_OK);
    assert_int_equal(l.count, 256);
    assert_string_equal(kv_value(&l, "f255"), "255");
    assert_int_equal(urlenc(a, arena_printf(a, "%s&x=1", s), &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 256);
}

static void urlenc_length_limits(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    /* names: 128 bytes after decoding */
    assert_int_equal(urlenc(a, arena_printf(a, "%s=1", rep(a, 'n', 128)), &l), FORM_OK);
    assert_int_equal(strlen(l.head->name), 128);
    assert_int_equal(urlenc(a, arena_printf(a, "%s=1", rep(a, 'n', 129)), &l), FORM_ERR_LIMIT);
    char *enc128 = arena_strdup(a, "");
    for (int i = 0; i < 128; i++) enc128 = arena_printf(a, "%s%%41", enc128);
    assert_int_equal(urlenc(a, arena_printf(a, "%s=1", enc128), &l), FORM_OK);
    assert_string_equal(l.head->name, rep(a, 'A', 128));
    assert_int_equal(urlenc(a, arena_printf(a, "%s%%41=1", enc128), &l), FORM_ERR_LIMIT);

    /* values: 64 KiB after decoding, whether the raw input is short or long */
    assert_int_equal(urlenc(a, arena_printf(a, "v=%s", rep(a, 'x', 65536)), &l), FORM_OK);
    assert_int_equal(l.head->len, 65536);
    assert_int_equal(urlenc(a, arena_printf(a, "v=%s", rep(a, 'x', 65537)), &l), FORM_ERR_LIMIT);
    char *pluses = rep(a, '+', 65536);
    assert_int_equal(urlenc(a, arena_printf(a, "v=%s", pluses), &l), FORM_OK);
    assert_string_equal(l.head->value, rep(a, ' ', 65536));
    char *big = arena_alloc(a, 3 * 65537 + 3);
    memcpy(big, "v=", 2);
    for (size_t i = 0; i < 65537; i++) memcpy(big + 2 + 3 * i, "%41", 3);
    assert_int_equal(urlenc(a, big, &l), FORM_ERR_LIMIT);
    big[2 + 3 * 65536] = '\0';                       /* exactly the limit */
    assert_int_equal(urlenc(a, big, &l), FORM_OK);
    assert_int_equal(l.head->len, 65536);

    /* tiny limits */
    form_limits_t lim = { .max_fields = 4, .max_name = 2, .max_value = 4, .max_file = 0 };
    assert_int_equal(urlenc_lim(a, "ab=abcd", &lim, &l), FORM_OK);
    assert_int_equal(urlenc_lim(a, "abc=1", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(urlenc_lim(a, "ab=abcde", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(urlenc_lim(a, "ab=%41%42%43%44", &lim, &l), FORM_OK);
    assert_string_equal(l.head->value, "ABCD");
    assert_int_equal(urlenc_lim(a, "ab=%41%42%43%44%45", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(urlenc_lim(a, "%41%42=1", &lim, &l), FORM_OK);
    assert_int_equal(urlenc_lim(a, "%41%42%43=1", &lim, &l), FORM_ERR_LIMIT);
}

static void urlenc_utf8_passes_through(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    /* raw and percent-encoded UTF-8 give the same bytes */
    assert_int_equal(urlenc(a, "\xd0\xb8\xd0\xbc\xd1\x8f=\xd0\x9c\xd0\xb8\xd1\x80"
                               "&q=%D0%BC%D0%B8%D1%80+%F0%9F%94%91", &l), FORM_OK);
    assert_string_equal(l.head->name, "\xd0\xb8\xd0\xbc\xd1\x8f");
    assert_string_equal(l.head->value, "\xd0\x9c\xd0\xb8\xd1\x80");
    assert_int_equal(l.head->len, 6);
    assert_string_equal(kv_value(&l, "q"), "\xd0\xbc\xd0\xb8\xd1\x80 \xf0\x9f\x94\x91");
    /* the parser moves bytes; checking UTF-8 is done elsewhere, once */
    assert_int_equal(urlenc(a, "b=%FF%FE\xc3", &l), FORM_OK);
    assert_string_equal(kv_value(&l, "b"), "\xff\xfe\xc3");
}

static void urlenc_payloads_verbatim(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "q=%27%20OR%201%3D1--%20&n=Robert%27)%3B%20DROP%20TABLE%20lockers%3B--"
                               "&x=<script>alert(1)</script>&y=%3Cimg+src%3Dx+onerror%3D%22alert(%27x%27)%22%3E"
                               "&z=\"%5C'`$(id)", &l), FORM_OK);
    assert_int_equal(l.count, 5);
    assert_string_equal(kv_value(&l, "q"), "' OR 1=1-- ");
    assert_string_equal(kv_value(&l, "n"), "Robert'); DROP TABLE lockers;--");
    assert_string_equal(kv_value(&l, "x"), "<script>alert(1)</script>");
    assert_string_equal(kv_value(&l, "y"), "<img src=x onerror=\"alert('x')\">");
    assert_string_equal(kv_value(&l, "z"), "\"\\'`$(id)");
}

static void urlenc_duplicates_first_wins(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(urlenc(a, "role=user&role=admin", &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(kv_value(&l, "role"), "user");
    assert_string_equal(l.tail->value, "admin");
}

/* ------------------------------------------------------------ cookies */

static void cookies_basic(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, "sid=abc123; lang=ru", &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(nth(&l, 0)->name, "sid");
    assert_string_equal(nth(&l, 0)->value, "abc123");
    assert_int_equal(nth(&l, 0)->len, 6);
    assert_string_equal(nth(&l, 1)->name, "lang");
    assert_string_equal(nth(&l, 1)->value, "ru");
    assert_null(nth(&l, 1)->filename);
    /* cookies are not percent-decoded, and '=' in a value stays */
    assert_int_equal(cookies(a, "a=%41+b;t=x=y==", &l), FORM_OK);
    assert_string_equal(kv_value(&l, "a"), "%41+b");
    assert_string_equal(kv_value(&l, "t"), "x=y==");
    assert_int_equal(cookies(a, "e=", &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(kv_value(&l, "e"), "");
    assert_int_equal(l.head->len, 0);
}

static void cookies_spaces(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, "  sid = abc ;\tlang=ru\t;  theme =dark  ;", &l), FORM_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(nth(&l, 0)->name, "sid");
    assert_string_equal(nth(&l, 0)->value, "abc");
    assert_int_equal(nth(&l, 0)->len, 3);
    assert_string_equal(nth(&l, 1)->name, "lang");
    assert_string_equal(nth(&l, 1)->value, "ru");
    assert_string_equal(nth(&l, 2)->name, "theme");
    assert_string_equal(nth(&l, 2)->value, "dark");
    /* inner spaces are kept */
    assert_int_equal(cookies(a, "my pref=a b", &l), FORM_OK);
    assert_string_equal(l.head->name, "my pref");
    assert_string_equal(l.head->value, "a b");
}

static void cookies_quotes(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, "q=\"abc def\"; e=\"\"; one=\"; mid=a\"b\"c; lead=\"x", &l), FORM_OK);
    assert_int_equal(l.count, 5);
    assert_string_equal(kv_value(&l, "q"), "abc def");
    assert_int_equal(kv_find(&l, "q")->len, 7);
    assert_string_equal(kv_value(&l, "e"), "");
    assert_string_equal(kv_value(&l, "one"), "\"");        /* a lone quote is data */
    assert_string_equal(kv_value(&l, "mid"), "a\"b\"c");
    assert_string_equal(kv_value(&l, "lead"), "\"x");
    assert_int_equal(cookies(a, "s = \"padded\"  ", &l), FORM_OK);
    assert_string_equal(kv_value(&l, "s"), "padded");
}

static void cookies_junk_is_skipped(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, "junk; ;; a=1; =novalue; b; =; c=3;;;", &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(nth(&l, 0)->name, "a");
    assert_string_equal(nth(&l, 1)->name, "c");
    assert_string_equal(nth(&l, 1)->value, "3");
    assert_int_equal(cookies(a, "", &l), FORM_OK);
    assert_int_equal(l.count, 0);
    assert_int_equal(cookies(a, " ; \t ;", &l), FORM_OK);
    assert_int_equal(l.count, 0);
    assert_int_equal(cookies(a, NULL, &l), FORM_OK);
    assert_int_equal(l.count, 0);
    assert_null(l.head);
    /* NULL limits mean the defaults */
    memset(&l, 0, sizeof l);
    assert_int_equal(form_parse_cookies(a, "k=v", NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "k"), "v");
}

static void cookies_duplicates_first_wins(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, "sid=first; other=x; sid=second", &l), FORM_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(kv_value(&l, "sid"), "first");
    assert_string_equal(l.tail->value, "second");
}

static void cookies_limits(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(cookies(a, arena_printf(a, "%s=1", rep(a, 'c', 128)), &l), FORM_OK);
    assert_int_equal(strlen(l.head->name), 128);
    assert_int_equal(cookies(a, arena_printf(a, "%s=1", rep(a, 'c', 129)), &l), FORM_ERR_LIMIT);
    assert_int_equal(cookies(a, arena_printf(a, "v=%s", rep(a, 'v', 65536)), &l), FORM_OK);
    assert_int_equal(l.head->len, 65536);
    assert_int_equal(cookies(a, arena_printf(a, "v=%s", rep(a, 'v', 65537)), &l), FORM_ERR_LIMIT);

    form_limits_t lim = { .max_fields = 2, .max_name = 3, .max_value = 4, .max_file = 0 };
    assert_int_equal(cookies_lim(a, "a=1; b=2", &lim, &l), FORM_OK);
    assert_int_equal(cookies_lim(a, "a=1; b=2; c=3", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 2);
    assert_int_equal(cookies_lim(a, "x; y; a=1; junk; b=2", &lim, &l), FORM_OK);   /* junk is free */
    assert_int_equal(cookies_lim(a, "abc=abcd", &lim, &l), FORM_OK);
    assert_int_equal(cookies_lim(a, "abcd=1", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(cookies_lim(a, "abc=abcde", &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(cookies_lim(a, "abc=\"abcd\"", &lim, &l), FORM_OK);      /* quotes are not counted */
    assert_int_equal(cookies_lim(a, "  abc  =  abcd  ", &lim, &l), FORM_OK);  /* nor padding */

    char *many = arena_strdup(a, "");
    for (int i = 0; i < 257; i++) many = arena_printf(a, "%sc%d=%d; ", many, i, i);
    assert_int_equal(cookies(a, many, &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 256);
}

/* ------------------------------------------------------------ boundary */

static void boundary_extraction(void **state)
{
    arena_t *a = *state;
    assert_string_equal(form_multipart_boundary(a, CT), "XyZ");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
                        "----WebKitFormBoundary7MA4YWxkTrZu0gW");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundary=\"a b:c\""), "a b:c");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundary=\"q\\\"x\""), "q\"x");
    assert_string_equal(form_multipart_boundary(a, "Multipart/Form-Data; BOUNDARY=abc"), "abc");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data;boundary=abc"), "abc");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundary=abc; charset=utf-8"), "abc");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundary=abc ; x=y"), "abc");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; charset=\"x;boundary=no\"; boundary=yes"), "yes");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; xboundary=no; boundary=yes"), "yes");
    assert_string_equal(form_multipart_boundary(a, "multipart/form-data; boundaryx=no; boundary=yes"), "yes");

    char *b70 = rep(a, 'b', 70);
    assert_string_equal(form_multipart_boundary(a, arena_printf(a, "multipart/form-data; boundary=%s", b70)), b70);
    assert_string_equal(form_multipart_boundary(a, arena_printf(a, "multipart/form-data; boundary=\"%s\"", b70)), b70);
}

static void boundary_missing_or_invalid(void **state)
{
    arena_t *a = *state;
    assert_null(form_multipart_boundary(a, NULL));
    assert_null(form_multipart_boundary(a, ""));
    assert_null(form_multipart_boundary(a, "multipart/form-data"));
    assert_null(form_multipart_boundary(a, "multipart/form-data;"));
    assert_null(form_multipart_boundary(a, "multipart/form-data; charset=utf-8"));
    assert_null(form_multipart_boundary(a, "multipart/form-data; boundary="));
    assert_null(form_multipart_boundary(a, "multipart/form-data; boundary=\"\""));
    assert_null(form_multipart_boundary(a, "multipart/form-data; boundary=\"unterminated"));
    assert_null(form_multipart_boundary(a, "multipart/form-data; boundary"));
    assert_null(form_multipart_boundary(a, "multipart/form-data; charset=\"boundary=x\""));
    assert_null(form_multipart_boundary(a, "text/plain; boundary=abc"));
    assert_null(form_multipart_boundary(a, "application/x-www-form-urlencoded"));
    assert_null(form_multipart_boundary(a, "multipart/form"));
    char *b71 = rep(a, 'b', 71);
    assert_null(form_multipart_boundary(a, arena_printf(a, "multipart/form-data; boundary=%s", b71)));
    assert_null(form_multipart_boundary(a, arena_printf(a, "multipart/form-data; boundary=\"%s\"", b71)));

    /* and the parser refuses such a request */
    kvlist_t l;
    const char *body = "--abc\r\n" CD "name=\"a\"\r\n\r\n1\r\n--abc--\r\n";
    assert_int_equal(mp_len(a, body, strlen(body), NULL, NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp_len(a, body, strlen(body), "multipart/form-data", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp_len(a, body, strlen(body), "text/plain; boundary=abc", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp_len(a, body, strlen(body),
                            arena_printf(a, "multipart/form-data; boundary=%s", b71), NULL, &l),
                     FORM_ERR_SYNTAX);
    assert_int_equal(l.count, 0);
    assert_int_equal(mp_len(a, body, strlen(body), "multipart/form-data; boundary=abc", NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "a"), "1");
}

/* ------------------------------------------------------------ multipart */

/* A file with NULs, CRLFs and things that look almost like the boundary. */
#define PNG "\x89" "PNG\r\n\x1a\n\0\0\0\rIHDR\xff\0\r\n-XyZ\r\n--Xy\r\n--XYZ--XyZ\r\n"

static void multipart_text_and_file(void **state)
{
    arena_t *a = *state;
    static const char body[] =
        "--XyZ\r\n"
        CD "name=\"title\"\r\n"
        "\r\n"
        "Hello, world\r\n"
        "--XyZ\r\n"
        CD "name=\"photo\"; filename=\"cell 7.png\"\r\n"
        "Content-Type: image/png\r\n"
        "\r\n"
        PNG "\r\n"
        "--XyZ--\r\n";
    static const char png[] = PNG;
    kvlist_t l;
    assert_int_equal(mp_len(a, body, sizeof body - 1, CT, NULL, &l), FORM_OK);
    assert_int_equal(l.count, 2);
    const kv_t *t = nth(&l, 0), *f = nth(&l, 1);
    assert_string_equal(t->name, "title");
    assert_string_equal(t->value, "Hello, world");
    assert_int_equal(t->len, 12);
    assert_null(t->filename);
    assert_null(t->content_type);
    assert_string_equal(f->name, "photo");
    assert_string_equal(f->filename, "cell 7.png");
    assert_string_equal(f->content_type, "image/png");
    assert_int_equal(f->len, sizeof png - 1);
    assert_memory_equal(f->value, png, sizeof png - 1);
    assert_ptr_equal(kv_find(&l, "photo"), f);
}

static void multipart_preamble_and_epilogue(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(mp(a, "This is the preamble.\r\nIt is ignored.\r\n"
                           "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n"
                           "--XyZ--\r\nThis is the epilogue.\r\n--XyZ\r\n", NULL, &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(kv_value(&l, "a"), "1");
    /* some clients start with a CRLF */
    assert_int_equal(mp(a, "\r\n--XyZ\r\n" CD "name=\"a\"\r\n\r\n2\r\n--XyZ--", NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "a"), "2");
    /* "--XyZ" not at the start of a line is preamble text, so the one
     * real delimiter found is the closing one: no parts */
    assert_int_equal(mp(a, "junk--XyZ\r\n" CD "name=\"a\"\r\n\r\n3\r\n--XyZ--", NULL, &l), FORM_OK);
    assert_int_equal(l.count, 0);
    /* preamble only */
    assert_int_equal(mp(a, "no delimiter at all\r\n", NULL, &l), FORM_ERR_SYNTAX);
}

static void multipart_truncated(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    static const char body[] =
        "--XyZ\r\n" CD "name=\"a\"\r\n\r\nvalue\r\n"
        "--XyZ\r\n" CD "name=\"f\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        "\0\1\2\r\n--XyZ--";
    const size_t n = sizeof body - 1;
    /* every proper prefix is a truncated body */
    for (size_t k = 0; k < n; k++)
        if (mp_len(a, body, k, CT, NULL, &l) != FORM_ERR_SYNTAX)
            fail_msg("prefix of %zu bytes was not a syntax error", k);
    assert_int_equal(mp_len(a, body, n, CT, NULL, &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(nth(&l, 1)->len, 3);
    assert_memory_equal(nth(&l, 1)->value, "\0\1\2", 3);

    assert_int_equal(mp(a, "", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ-", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\nvalue\r\n--XyZ\r\n", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\nvalue\r\n", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\nvalue", NULL, &l), FORM_ERR_SYNTAX);
    /* after a delimiter comes CRLF or "--", nothing else */
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\nv\r\n--XyZx\r\n" CD "name=\"b\"\r\n\r\nw\r\n--XyZ--",
                        NULL, &l), FORM_ERR_SYNTAX);
}

static void multipart_missing_name(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(mp(a, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\nContent-Disposition: form\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\nContent-Disposition:\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"\"\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"open\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "filename=\"name.txt\"\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--", NULL, &l),
                     FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n\r\nv\r\n--XyZ--", NULL, &l), FORM_ERR_SYNTAX);
    /* the second part is the broken one */
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\nX-Other: 1\r\n\r\n2\r\n--XyZ--", NULL, &l),
                     FORM_ERR_SYNTAX);
    assert_int_equal(l.count, 1);
}

static char *header_line(arena_t *a, size_t total)
{
    const char *pre = CD "name=\"a\"; x=\"";
    size_t pad = total - strlen(pre) - 1;
    return arena_printf(a, "%s%s\"", pre, rep(a, 'p', pad));
}

static void multipart_header_line_limit(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    char *h1024 = header_line(a, 1024), *h1025 = header_line(a, 1025);
    assert_int_equal(strlen(h1024), 1024);
    assert_int_equal(mp(a, arena_printf(a, "--XyZ\r\n%s\r\n\r\nv\r\n--XyZ--", h1024), NULL, &l), FORM_OK);
    assert_string_equal(kv_value(&l, "a"), "v");
    assert_int_equal(mp(a, arena_printf(a, "--XyZ\r\n%s\r\n\r\nv\r\n--XyZ--", h1025), NULL, &l), FORM_ERR_LIMIT);
    /* any header line, not only Content-Disposition */
    char *x1024 = arena_printf(a, "X-Pad: %s", rep(a, 'p', 1024 - 7));
    char *x1025 = arena_printf(a, "X-Pad: %s", rep(a, 'p', 1025 - 7));
    assert_int_equal(mp(a, arena_printf(a, "--XyZ\r\n%s\r\n" CD "name=\"a\"\r\n\r\nv\r\n--XyZ--", x1024), NULL, &l),
                     FORM_OK);
    assert_int_equal(mp(a, arena_printf(a, "--XyZ\r\n%s\r\n" CD "name=\"a\"\r\n\r\nv\r\n--XyZ--", x1025), NULL, &l),
                     FORM_ERR_LIMIT);
}

static char *one_part(arena_t *a, const char *disposition, const char *value)
{
    return arena_printf(a, "--XyZ\r\n" CD "%s\r\n\r\n%s\r\n--XyZ--\r\n", disposition, value);
}

static void multipart_size_limits(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    form_limits_t lim = form_default_limits;
    lim.max_value = 5;
    lim.max_file = 8;
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", "hello"), &lim, &l), FORM_OK);
    assert_int_equal(l.head->len, 5);
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", "hello!"), &lim, &l), FORM_ERR_LIMIT);
    /* files are held to max_file, not max_value */
    assert_int_equal(mp(a, one_part(a, "name=\"f\"; filename=\"a\"", "12345678"), &lim, &l), FORM_OK);
    assert_string_equal(l.head->value, "12345678");
    assert_int_equal(mp(a, one_part(a, "name=\"f\"; filename=\"a\"", "123456789"), &lim, &l), FORM_ERR_LIMIT);

    /* names */
    lim.max_name = 4;
    assert_int_equal(mp(a, one_part(a, "name=\"abcd\"", "v"), &lim, &l), FORM_OK);
    assert_int_equal(mp(a, one_part(a, "name=\"abcde\"", "v"), &lim, &l), FORM_ERR_LIMIT);

    /* the defaults: 64 KiB of text, 128 bytes of name */
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", rep(a, 'x', 65536)), NULL, &l), FORM_OK);
    assert_int_equal(l.head->len, 65536);
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", rep(a, 'x', 65537)), NULL, &l), FORM_ERR_LIMIT);
    assert_int_equal(mp(a, one_part(a, "name=\"f\"; filename=\"big.txt\"", rep(a, 'x', 65537)), NULL, &l), FORM_OK);
    assert_int_equal(l.head->len, 65537);
    assert_int_equal(mp(a, one_part(a, arena_printf(a, "name=\"%s\"", rep(a, 'n', 128)), "v"), NULL, &l), FORM_OK);
    assert_int_equal(mp(a, one_part(a, arena_printf(a, "name=\"%s\"", rep(a, 'n', 129)), "v"), NULL, &l),
                     FORM_ERR_LIMIT);
}

static void multipart_field_limit(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    form_limits_t lim = form_default_limits;
    lim.max_fields = 2;
    const char *two = "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=\"b\"\r\n\r\n2\r\n--XyZ--";
    const char *three = "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=\"b\"\r\n\r\n2\r\n"
                        "--XyZ\r\n" CD "name=\"c\"; filename=\"c\"\r\n\r\n3\r\n--XyZ--";
    assert_int_equal(mp(a, two, &lim, &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(mp(a, three, &lim, &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 2);

    char *many = arena_strdup(a, "");
    for (int i = 0; i < 257; i++)
        many = arena_printf(a, "%s--XyZ\r\n" CD "name=\"f%d\"\r\n\r\n%d\r\n", many, i, i);
    char *ok = arena_printf(a, "%s--XyZ--", strstr(many, "--XyZ\r\n" CD "name=\"f1\"\r\n"));
    assert_int_equal(mp(a, ok, NULL, &l), FORM_OK);          /* f1..f256 */
    assert_int_equal(l.count, 256);
    assert_string_equal(kv_value(&l, "f256"), "256");
    assert_int_equal(mp(a, arena_printf(a, "%s--XyZ--", many), NULL, &l), FORM_ERR_LIMIT);
    assert_int_equal(l.count, 256);
}

static void multipart_closing_boundary(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    /* nothing after the closing delimiter is read, even a valid part */
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n"
                           "--XyZ\r\n" CD "name=\"b\"\r\n\r\n2\r\n--XyZ--\r\n", NULL, &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_null(kv_value(&l, "b"));
    assert_int_equal(mp(a, "--XyZ--", NULL, &l), FORM_OK);
    assert_int_equal(l.count, 0);
    assert_int_equal(mp(a, "--XyZ--\r\n", NULL, &l), FORM_OK);
    assert_int_equal(l.count, 0);
}

static void multipart_crlf_handling(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    /* bare LF line ends are not multipart */
    assert_int_equal(mp(a, "--XyZ\n" CD "name=\"a\"\n\nv\n--XyZ--\n", NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(mp(a, "--XyZ\r\n" CD "name=\"a\"\n\nv\r\n--XyZ--\r\n", NULL, &l), FORM_ERR_SYNTAX);
    /* transport padding after a delimiter */
    assert_int_equal(mp(a, "--XyZ \t \r\n" CD "name=\"a\"\r\n\r\nv\r\n--XyZ\t\r\n" CD "name=\"b\"\r\n\r\nw\r\n--XyZ--",
                        NULL, &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(kv_value(&l, "a"), "v");
    assert_string_equal(kv_value(&l, "b"), "w");
    /* CRLFs inside a value are data; only the one before the delimiter goes */
    assert_int_equal(mp(a, one_part(a, "name=\"note\"", "line1\r\nline2\r\n\r\n"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->value, "line1\r\nline2\r\n\r\n");
    assert_int_equal(l.head->len, 16);
    /* empty value */
    assert_int_equal(mp(a, one_part(a, "name=\"e\"", ""), NULL, &l), FORM_OK);
    assert_string_equal(l.head->value, "");
    assert_int_equal(l.head->len, 0);
    /* value that is only CRLF */
    assert_int_equal(mp(a, one_part(a, "name=\"e\"", "\r\n"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->value, "\r\n");
}

static void multipart_near_miss_boundary(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    const char *tricky = "a--XyZb\r\n-XyZ\r\n--Xy\r\n--xyz\r\n--XYZ\r\n XyZ--XyZ--\r\n-\r\n--";
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", tricky), NULL, &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.head->value, tricky);
    assert_int_equal(l.head->len, strlen(tricky));
    /* a line starting with the whole delimiter ends the part: the sender
     * broke the rule that the boundary never occurs in the content */
    assert_int_equal(mp(a, one_part(a, "name=\"t\"", "x\r\n--XyZW y"), NULL, &l), FORM_ERR_SYNTAX);
    /* lines of a shorter boundary are data, in the preamble and in a value */
    assert_int_equal(mp_ct(a, "--XyZ\r\n--XyZ0\r\n" CD "name=\"a\"\r\n\r\n--XyZ\r\n--XyZ0--",
                           "multipart/form-data; boundary=XyZ0", &l), FORM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(kv_value(&l, "a"), "--XyZ");
}

static void multipart_text_rejects_nul(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    static const char text[] = "--XyZ\r\n" CD "name=\"a\"\r\n\r\nx\0y\r\n--XyZ--";
    static const char file[] = "--XyZ\r\n" CD "name=\"a\"; filename=\"\"\r\n\r\nx\0y\r\n--XyZ--";
    assert_int_equal(mp_len(a, text, sizeof text - 1, CT, NULL, &l), FORM_ERR_SYNTAX);
    assert_int_equal(l.count, 0);
    assert_int_equal(mp_len(a, file, sizeof file - 1, CT, NULL, &l), FORM_OK);
    assert_int_equal(l.head->len, 3);
    assert_memory_equal(l.head->value, "x\0y", 4);
    assert_string_equal(l.head->filename, "");            /* "no file chosen" is still a file part */
}

static void multipart_headers(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(mp(a, "--XyZ\r\ncontent-disposition:FORM-DATA; NAME=abc; FILENAME=\"x.txt\"\r\n"
                           "CONTENT-TYPE:text/plain; charset=utf-8\r\nX-Ignored: yes\r\n\r\nv\r\n--XyZ--", NULL, &l),
                     FORM_OK);
    assert_string_equal(l.head->name, "abc");
    assert_string_equal(l.head->filename, "x.txt");
    assert_string_equal(l.head->content_type, "text/plain; charset=utf-8");

    /* quoted-pair escapes, ';' and "name=" inside quotes, parameter order */
    assert_int_equal(mp(a, one_part(a, "filename=\"name=x; name=y\"; name=\"a\\\"b;c\"", "v"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->name, "a\"b;c");
    assert_string_equal(l.head->filename, "name=x; name=y");
    assert_null(l.head->content_type);

    /* an escaped quote inside a skipped quoted parameter does not end it */
    assert_int_equal(mp(a, one_part(a, "x=\"a\\\"; name=evil\"; name=\"good\"", "v"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->name, "good");

    /* a parameter is matched by its whole name */
    assert_int_equal(mp(a, one_part(a, "names=\"x\"; filenamex=\"y\"; name=\"real\"", "v"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->name, "real");
    assert_null(l.head->filename);

    /* bare values stop at ';' or blank */
    assert_int_equal(mp(a, one_part(a, "name=bare ; filename=f.txt", "v"), NULL, &l), FORM_OK);
    assert_string_equal(l.head->name, "bare");
    assert_string_equal(l.head->filename, "f.txt");

    /* UTF-8 names and file names pass through */
    assert_int_equal(mp(a, one_part(a, "name=\"\xd0\xb8\xd0\xbc\xd1\x8f\"; filename=\"\xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd.pdf\"", "%PDF"),
                        NULL, &l), FORM_OK);
    assert_string_equal(l.head->name, "\xd0\xb8\xd0\xbc\xd1\x8f");
    assert_string_equal(l.head->filename, "\xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd.pdf");
    assert_string_equal(l.head->value, "%PDF");                  /* no percent-decoding */
}

static void multipart_boundaries_in_use(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    assert_int_equal(mp_ct(a, "--a b\r\n" CD "name=\"q\"\r\n\r\n1\r\n--a b--",
                           "multipart/form-data; boundary=\"a b\"", &l), FORM_OK);
    assert_string_equal(kv_value(&l, "q"), "1");
    char *b70 = rep(a, '-', 70);
    char *body = arena_printf(a, "--%s\r\n" CD "name=\"q\"\r\n\r\n2\r\n--%s--", b70, b70);
    assert_int_equal(mp_ct(a, body, arena_printf(a, "multipart/form-data; boundary=%s", b70), &l), FORM_OK);
    assert_string_equal(kv_value(&l, "q"), "2");
}

static void multipart_duplicates_and_payloads(void **state)
{
    arena_t *a = *state;
    kvlist_t l;
    const char *sql = "'); DROP TABLE lockers;-- <script>alert(1)</script> %27 &amp; +";
    char *body = arena_printf(a, "--XyZ\r\n" CD "name=\"tag\"\r\n\r\n%s\r\n"
                                 "--XyZ\r\n" CD "name=\"tag\"\r\n\r\nsecond\r\n--XyZ--", sql);
    assert_int_equal(mp(a, body, NULL, &l), FORM_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(kv_value(&l, "tag"), sql);
    assert_string_equal(l.tail->value, "second");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(url_decode_basics),
        T(url_decode_bad_escapes),
        T(url_decode_every_byte),
        T(kv_list),
        T(urlenc_plain_pairs),
        T(urlenc_decoding),
        T(urlenc_empty_values),
        T(urlenc_empty_segments),
        T(urlenc_bad_escapes),
        T(urlenc_rejects_nul),
        T(urlenc_empty_name),
        T(urlenc_field_limit),
        T(urlenc_length_limits),
        T(urlenc_utf8_passes_through),
        T(urlenc_payloads_verbatim),
        T(urlenc_duplicates_first_wins),
        T(cookies_basic),
        T(cookies_spaces),
        T(cookies_quotes),
        T(cookies_junk_is_skipped),
        T(cookies_duplicates_first_wins),
        T(cookies_limits),
        T(boundary_extraction),
        T(boundary_missing_or_invalid),
        T(multipart_text_and_file),
        T(multipart_preamble_and_epilogue),
        T(multipart_truncated),
        T(multipart_missing_name),
        T(multipart_header_line_limit),
        T(multipart_size_limits),
        T(multipart_field_limit),
        T(multipart_closing_boundary),
        T(multipart_crlf_handling),
        T(multipart_near_miss_boundary),
        T(multipart_text_rejects_nul),
        T(multipart_headers),
        T(multipart_boundaries_in_use),
        T(multipart_duplicates_and_payloads),
    };
#undef T
    return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
