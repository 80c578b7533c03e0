/* Money parsing and formatting.  Integers only: a clerk's "12,5" becomes
 * 1250 minor units by string work, never through a double. */
#include "money.h"
#include <stdio.h>
#include <string.h>

/* ISO 4217 codes whose minor unit is not 2.  Codes outside both lists
 * are unknown (-1) so a typo in a site's currency shows up at once. */
static const struct { const char code[4]; int exp; } odd_exponent[] = {
    { "BIF", 0 }, { "CLP", 0 }, { "DJF", 0 }, { "GNF", 0 }, { "ISK", 0 }, { "JPY", 0 },
    { "KMF", 0 }, { "KRW", 0 }, { "PYG", 0 }, { "RWF", 0 }, { "UGX", 0 }, { "VND", 0 },
    { "VUV", 0 }, { "XAF", 0 }, { "XOF", 0 }, { "XPF", 0 },
    { "BHD", 3 }, { "IQD", 3 }, { "JOD", 3 }, { "KWD", 3 }, { "LYD", 3 }, { "OMR", 3 },
    { "TND", 3 },
};

static const char two_digit[][4] = {
    "AED", "AMD", "ARS", "AUD", "AZN", "BAM", "BDT", "BGN", "BRL", "BYN", "CAD", "CHF", "CNY",
    "COP", "CZK", "DKK", "DZD", "EGP", "EUR", "GBP", "GEL", "HKD", "HUF", "IDR", "ILS", "INR",
    "KES", "KGS", "KZT", "MAD", "MDL", "MXN", "MYR", "NGN", "NOK", "NZD", "PEN", "PHP", "PKR",
    "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SEK", "SGD", "THB", "TJS", "TMT", "TRY", "TWD",
    "UAH", "USD", "UZS", "ZAR",
};

int money_exponent(const char *currency)
{
    if (!currency || strlen(currency) != 3) return -1;
    for (size_t i = 0; i < sizeof odd_exponent / sizeof odd_exponent[0]; i++)
        if (!strcmp(odd_exponent[i].code, currency)) return odd_exponent[i].exp;
    for (size_t i = 0; i < sizeof two_digit / sizeof two_digit[0]; i++)
        if (!strcmp(two_digit[i], currency)) return 2;
    return -1;
}

/* Thousands separators a clerk may type: space, NBSP (UTF-8 C2 A0) and
 * narrow NBSP (E2 80 AF, what some locales print).  Returns its length. */
static size_t separator_len(const char *p)
{
    if (*p == ' ') return 1;
    if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) return 2;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xAF) return 3;
    return 0;
}

int money_parse(const char *text, const char *currency, int allow_negative, int64_t *minor)
{
    int exp = money_exponent(currency);
    if (!text || exp < 0) return -1;
    /* Surrounding blanks are what a form field often carries: trim them
     * into a bounded copy (no real amount needs 64 bytes). */
    while (*text == ' ' || *text == '\t') text++;
    size_t len = strlen(text);
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *p = buf;
    int negative = 0;
    if (*p == '-') {
        if (!allow_negative) return -1;
        negative = 1;
        p++;
    }
    /* Accumulate as a negative number so INT64_MIN's magnitude fits; the
     * sign is applied at the end. */
    int64_t acc = 0;
    int int_digits = 0, frac_digits = 0, seen_point = 0, group = 0, grouped = 0;
    for (;;) {
        size_t sep = separator_len(p);
        if (sep && !seen_point) {
            /* A separator only between digit groups: "1 234", not " 1" or "1  234". */
            if (int_digits == 0 || (grouped && group != 3) || (!grouped && int_digits > 3)) break;
            grouped = 1;
            group = 0;
            p += sep;
            if (*p < '0' || *p > '9') return -1;
            continue;
        }
        if (*p >= '0' && *p <= '9') {
            int d = *p - '0';
            if (seen_point) {
                if (++frac_digits > exp) return -1;
            } else {
                int_digits++;
                group++;
            }
            if (acc < (INT64_MIN + d) / 10) return -1;
            acc = acc * 10 - d;
            p++;
            continue;
        }
        if ((*p == '.' || *p == ',') && !seen_point) {
            if (int_digits == 0 || exp == 0) return -1;
            seen_point = 1;
            p++;
            if (*p < '0' || *p > '9') return -1;
            continue;
        }
        break;
    }
    if ((grouped && group != 3) || *p || int_digits == 0) return -1;
    for (int i = frac_digits; i < exp; i++) {
        if (acc < INT64_MIN / 10) return -1;
        acc *= 10;
    }
    if (!negative) {
        if (acc == INT64_MIN) return -1;
        acc = -acc;
    }
    *minor = acc;
    return 0;
}

/* Digits of |minor| split at the exponent, optionally grouped by three
 * with sep.  Works on the unsigned magnitude so INT64_MIN prints. */
static char *format(int64_t minor, const char *currency, const char *sep, char *out, size_t outlen)
{
    if (!out || outlen == 0) return out;
    int exp = money_exponent(currency);
    if (exp < 0) exp = 2;
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%0*llu", exp + 1, (unsigned long long)mag);
    int int_len = n - exp;
    char buf[64];
    size_t k = 0;
    if (minor < 0) buf[k++] = '-';
    for (int i = 0; i < int_len; i++) {
        if (sep && i > 0 && (int_len - i) % 3 == 0)
            for (const char *s = sep; *s; s++) buf[k++] = *s;
        buf[k++] = digits[i];
    }
    if (exp > 0) {
        buf[k++] = '.';
        memcpy(buf + k, digits + int_len, (size_t)exp);
        k += (size_t)exp;
    }
    buf[k] = '\0';
    snprintf(out, outlen, "%s", buf);
    return out;
}

char *money_plain(int64_t minor, const char *currency, char *out, size_t outlen)
{
    return format(minor, currency, NULL, out, outlen);
}

char *money_display(int64_t minor, const char *currency, char *out, size_t outlen)
{
    char num[48];
    format(minor, currency, " ", num, sizeof num);
    if (out && outlen) snprintf(out, outlen, "%s %s", num, currency ? currency : "");
    return out;
}
