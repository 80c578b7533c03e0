/* Field formats checked with PCRE2.  Each pattern is compiled on first use
 * and kept for the life of the process: a worker checks thousands of
 * fields and compiling is the expensive part.  Patterns run in UTF mode
 * with Unicode properties, so "letter" means a letter of any script; text
 * that is not valid UTF-8 never matches. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "validate.h"
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RX_PHONE, RX_EMAIL, RX_DOC_NUMBER, RX_DATE, RX_NAME, RX_COUNT };

/* A practical subset of RFC 5321: dot-atom local part (no leading,
 * trailing or double dot), a domain of LDH labels with at least one dot. */
static const char email_pattern[] = "^(?!\\.)(?!.*\\.\\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\\.)@"
                                   "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                                   "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

static const char *const patterns[RX_COUNT] = {
    /* Digits with single spaces/dashes between groups and at most one
     * parenthesised group; the digit count and the single pair of
     * parentheses are checked in C (PCRE cannot count across groups
     * cheaply). */
    [RX_PHONE] = "^\\+?(?:[0-9]|\\([0-9]+\\))(?:[ -]?(?:[0-9]|\\([0-9]+\\)))*$",
    [RX_EMAIL] = email_pattern,
    /* 5-20 letters, digits, spaces or dashes, at least 4 of them letters
     * or digits, beginning and ending with one. */
    [RX_DOC_NUMBER] = "^(?=(?:[^\\p{L}0-9]*[\\p{L}0-9]){4})[\\p{L}0-9][\\p{L}0-9 -]{3,18}[\\p{L}0-9]$",
    [RX_DATE] = "^([0-9]{4})-([0-9]{2})-([0-9]{2})$",
    /* Letters (with their combining marks), spaces, dots, dashes and
     * apostrophes (ASCII and typographic), at least one letter. */
    [RX_NAME] = "^(?=.*\\p{L})[\\p{L}\\p{M} .'\\x{2019}-]{2,160}$",
};

static pcre2_code *compiled[RX_COUNT];
static pcre2_match_data *match_data[RX_COUNT];

static int rx_match(int which, const char *s)
{
    if (!s) return 0;
    if (!compiled[which]) {
        int errcode;
        PCRE2_SIZE erroff;
        compiled[which] = pcre2_compile((PCRE2_SPTR)patterns[which], PCRE2_ZERO_TERMINATED,
                                        PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
        if (!compiled[which]) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(errcode, msg, sizeof msg);
            fprintf(stderr, "validate: pattern %d does not compile at %zu: %s\n", which, (size_t)erroff, msg);
            return 0;
        }
        match_data[which] = pcre2_match_data_create_from_pattern(compiled[which], NULL);
        if (!match_data[which]) { pcre2_code_free(compiled[which]); compiled[which] = NULL; return 0; }
    }
    /* Invalid UTF-8 makes pcre2_match return an error: a refusal. */
    return pcre2_match(compiled[which], (PCRE2_SPTR)s, strlen(s), 0, 0, match_data[which], NULL) >= 0;
}

int validate_phone(const char *s)
{
    if (!rx_match(RX_PHONE, s)) return 0;
    int digits = 0, parens = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') digits++;
        else if (*p == '(') parens++;
    }
    return digits >= 7 && digits <= 15 && parens <= 1;
}

int validate_email(const char *s)
{
    return s && strlen(s) <= 190 && rx_match(RX_EMAIL, s);
}

static const char *const doc_types[] = { "passport", "national_id", "driving_licence", "residence_permit", NULL };

int validate_doc_type(const char *doc_type)
{
    for (int i = 0; doc_type && doc_types[i]; i++) if (!strcmp(doc_type, doc_types[i])) return 1;
    return 0;
}

int validate_doc_number(const char *doc_type, const char *s)
{
    return validate_doc_type(doc_type) && rx_match(RX_DOC_NUMBER, s);
}

int validate_date(const char *s)
{
    if (!rx_match(RX_DATE, s)) return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    /* MariaDB's DATE range; anything earlier is a typing error anyway. */
    if (y < 1000 || m < 1 || m > 12 || d < 1) return 0;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int validate_person_name(const char *s)
{
    return rx_match(RX_NAME, s);
}
