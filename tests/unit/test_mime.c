/* Unit tests for lib/mime.c: quoted-printable, encoded words and the
 * message as a whole, byte for byte where the shape matters.  The
 * notifyd integration tests parse what reaches an SMTP server with
 * Python's email package as well. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "mime.h"

static arena_t *A;

static int setup(void **state) { (void)state; A = arena_new(4096); return A ? 0 : -1; }
static int teardown(void **state) { (void)state; arena_free(A); return 0; }

/* Every line ends in CRLF, none is longer than max, and nothing but
 * printable ASCII (and tab) is on the wire. */
static void assert_wire(const char *s, size_t max)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\r') {
            if (p[1] != '\n') fail_msg("bare CR at %zu", (size_t)(p - s));
            p++;
            col = 0;
            continue;
        }
        if (*p == '\n') fail_msg("bare LF at %zu", (size_t)(p - s));
        if ((unsigned char)*p > 0x7e || ((unsigned char)*p < 0x20 && *p != '\t'))
            fail_msg("byte 0x%02x at %zu", (unsigned char)*p, (size_t)(p - s));
        if (++col > max) fail_msg("line over %zu characters at %zu: %.80s", max, (size_t)(p - s), p - col + 1);
    }
}

/* Decodes quoted-printable back, CRLF to LF: what a reader gets. */
static char *unqp(const char *s)
{
    static char out[65536];
    size_t n = 0;
    for (const char *p = s; *p;) {
        if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') { p += 3; continue; }
        if (p[0] == '=') {
            unsigned v;
            assert_int_equal(sscanf(p + 1, "%2X", &v), 1);
            out[n++] = (char)v;
            p += 3;
            continue;
        }
        if (p[0] == '\r' && p[1] == '\n') { out[n++] = '\n'; p += 2; continue; }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

static void qp_round_trips(void **state)
{
    (void)state;
    const char *texts[] = {
        "plain ascii",
        "Здравствуйте, Анна!\nВаш счёт: 1 200,00 ₽ — оплатите до 5-го.",
        "trailing space \nand tab\t\nend ",
        "a=b; 100% = done; ==",
        ".leading dot\n.\n..two",
        "From the desk\nFrom here",
        "",
        NULL };
    for (int i = 0; texts[i]; i++) {
        char *qp = mime_qp(A, texts[i]);
        assert_non_null(qp);
        assert_wire(qp, 76);
        assert_string_equal(unqp(qp), texts[i]);
    }
    /* A long line is broken softly, never inside an =XX. */
    char lng[600];
    for (int i = 0; i < 100; i++) memcpy(lng + 6 * i, "ж ж= ", 6);
    lng[599] = '\0';
    lng[598] = 'x';
    char *qp = mime_qp(A, lng);
    assert_wire(qp, 76);
    assert_string_equal(unqp(qp), lng);
    assert_non_null(strstr(qp, "=\r\n"));
    for (const char *p = strstr(qp, "=\r\n"); p; p = strstr(p + 1, "=\r\n"))
        assert_true(p[3] != '\0');
    /* Line breaks of any kind become CRLF. */
    assert_string_equal(mime_qp(A, "a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
    /* Exact encodings. */
    assert_string_equal(mime_qp(A, "x = y "), "x =3D y=20");
    assert_string_equal(mime_qp(A, ".a"), "=2Ea");
    assert_string_equal(mime_qp(A, "é"), "=C3=A9");
}

static void headers_fold_and_encode(void **state)
{
    (void)state;
    assert_string_equal(mime_header_text(A, "Your locker receipt", 7), "Your locker receipt");
    assert_string_equal(mime_header_text(A, "", 7), "");
    /* Non-ASCII: encoded words of whole characters, each line within 78. */
    const char *ru = "Напоминание: аренда ячейки B-17 заканчивается завтра, пожалуйста, заберите вещи";
    char *h = mime_header_text(A, ru, 7);
    char line[1024];
    snprintf(line, sizeof line, "Subject: %s", h);
    assert_wire(line, 78);
    assert_int_equal(strncmp(h, "=?UTF-8?B?", 10), 0);
    assert_non_null(strstr(h, "?=\r\n =?UTF-8?B?"));
    /* "=?" in plain text would read as an encoded word: encoded too. */
    assert_int_equal(strncmp(mime_header_text(A, "a =?b?= c", 7), "=?UTF-8?B?", 10), 0);
    /* A long ASCII subject is folded before a space, so unfolding gives it back. */
    const char *lng = "Reminder: your locker B-17 at the Central Station site is due for collection tomorrow morning";
    h = mime_header_text(A, lng, 7);
    snprintf(line, sizeof line, "Subject: %s", h);
    assert_wire(line, 78);
    assert_non_null(strstr(h, "\r\n "));
    char unfolded[256];
    size_t n = 0;
    for (const char *p = h; *p; p++) if (*p != '\r' && *p != '\n') unfolded[n++] = *p;
    unfolded[n] = '\0';
    assert_string_equal(unfolded, lng);
}

static mime_mail_t mail(void)
{
    return (mime_mail_t){ .from_addr = "noreply@example.com", .from_name = "Strongroom", .to_addr = "anna@example.com",
                          .subject = "Receipt", .text = "Paid.\n", .message_id = "strongroom-42@example.com",
                          .date = "Tue, 01 Jul 2025 12:00:00 +0000", .boundary = "=_strongroom-42" };
}

static void text_only_message(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    char *msg = mime_build(A, &m);
    assert_non_null(msg);
    assert_string_equal(msg,
        "From: \"Strongroom\" <noreply@example.com>\r\n"
        "To: <anna@example.com>\r\n"
        "Subject: Receipt\r\n"
        "Date: Tue, 01 Jul 2025 12:00:00 +0000\r\n"
        "Message-ID: <strongroom-42@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Paid.\r\n");
    /* Without a final line break the body ends in a soft break. */
    m.text = "Paid.";
    assert_int_equal(strcmp(strstr(mime_build(A, &m), "\r\n\r\n"), "\r\n\r\nPaid.=\r\n"), 0);
    m.text = "Paid.\n";
    /* Same input, same bytes. */
    assert_string_equal(mime_build(A, &m), msg);
}

static void alternative_message(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    m.from_name = "Стронгрум \"Центр\"";
    m.subject = "Квитанция";
    m.text = "Оплачено: 10 €\n";
    m.html = "<p>Оплачено: <b>10&nbsp;€</b></p>";
    m.language = "ru";
    char *msg = mime_build(A, &m);
    assert_non_null(msg);
    assert_wire(msg, 78);
    assert_non_null(strstr(msg, "From: =?UTF-8?B?"));
    /* The name's encoded word is long: the address goes on a folded line. */
    assert_non_null(strstr(msg, "?=\r\n <noreply@example.com>\r\nTo: "));
    assert_non_null(strstr(msg, "Subject: =?UTF-8?B?0JrQstC40YLQsNC90YbQuNGP?=\r\n"));
    assert_non_null(strstr(msg, "Content-Language: ru\r\n"));
    assert_non_null(strstr(msg, "Content-Type: multipart/alternative;\r\n boundary=\"=_strongroom-42\"\r\n"));
    const char *plain = strstr(msg, "--=_strongroom-42\r\nContent-Type: text/plain; charset=UTF-8\r\n");
    const char *html = strstr(msg, "--=_strongroom-42\r\nContent-Type: text/html; charset=UTF-8\r\n");
    const char *end = strstr(msg, "--=_strongroom-42--\r\n");
    assert_non_null(plain);
    assert_non_null(html);
    assert_non_null(end);
    assert_true(plain < html && html < end);
    assert_string_equal(end + strlen("--=_strongroom-42--\r\n"), "");
    /* The boundary appears nowhere but on its own lines. */
    int count = 0;
    for (const char *p = strstr(msg, "=_strongroom-42"); p; p = strstr(p + 1, "=_strongroom-42")) count++;
    assert_int_equal(count, 4);
}

static void refuses_what_would_break_the_headers(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    m.to_addr = "anna@example.com>\r\nBcc: all@example.com";
    assert_null(mime_build(A, &m));
    m = mail();
    m.subject = "Hi\r\nBcc: all@example.com";
    assert_null(mime_build(A, &m));
    m = mail();
    m.from_name = "Eve\nBcc: x@y.z";
    assert_null(mime_build(A, &m));
    m = mail();
    m.html = "<p>x</p>";
    m.boundary = "plain-boundary";          /* must start "=_" */
    assert_null(mime_build(A, &m));
    m.boundary = "=_bad boundary";
    assert_null(mime_build(A, &m));
    m = mail();
    m.text = NULL;
    assert_null(mime_build(A, &m));
    m = mail();
    m.message_id = "no-at-sign";
    assert_null(mime_build(A, &m));
}

static void dates_are_english_utc(void **state)
{
    (void)state;
    char d[32];
    mime_date(0, d);
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
    mime_date(1751371200, d);
    assert_string_equal(d, "Tue, 01 Jul 2025 12:00:00 +0000");
    mime_date(951782400, d);                  /* 29 February 2000 */
    assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

/* What no fold at a space can shorten: a word longer than a line, or a
 * long sender name as one quoted string, goes as encoded words (found by
 * the fuzz target: lines of 80 characters and more). */
static void unbreakable_header_text_is_encoded(void **state)
{
    (void)state;
    char word[120];
    memset(word, 'k', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    char subject[160];
    snprintf(subject, sizeof subject, "Code %s", word);
    char *h = mime_header_text(A, subject, 7);
    char line[1024];
    snprintf(line, sizeof line, "Subject: %s", h);
    assert_wire(line, 78);
    assert_int_equal(strncmp(h, "=?UTF-8?B?", 10), 0);

    mime_mail_t m = mail();
    m.from_name = "Strongroom Central Station Safe Deposit Department, Customer Service Desk";
    char *msg = mime_build(A, &m);
    assert_non_null(msg);
    assert_wire(msg, 78);
    assert_non_null(strstr(msg, "From: =?UTF-8?B?"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(qp_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(headers_fold_and_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(text_only_message, setup, teardown),
        cmocka_unit_test_setup_teardown(alternative_message, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_what_would_break_the_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(dates_are_english_utc, setup, teardown),
        cmocka_unit_test_setup_teardown(unbreakable_header_text_is_encoded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
