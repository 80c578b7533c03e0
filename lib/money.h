/* Money as signed 64-bit minor units of a currency (DESIGN.md §4):
 * parsing what a clerk types and formatting for screens, CSV and JSON.
 * Never floating point. */
#ifndef SR_MONEY_H
#define SR_MONEY_H
#include <stddef.h>
#include <stdint.h>

/* Digits after the decimal point for an ISO 4217 code (JPY 0, most 2);
 * -1 for a code we do not know. */
int money_exponent(const char *currency);

/* Parses "12", "12.5", "12.50", "1 234,50" (space or NBSP thousands,
 * comma or dot decimal) into minor units.  allow_negative permits a
 * leading '-'.  Returns 0, or -1 for anything else: more decimals than
 * the currency has, empty text, overflow, stray characters. */
int money_parse(const char *text, const char *currency, int allow_negative, int64_t *minor);

/* "1234.50" (plain: forms, CSV, JSON-as-string); returns out. */
char *money_plain(int64_t minor, const char *currency, char *out, size_t outlen);
/* "1 234.50 EUR" for screens; returns out. */
char *money_display(int64_t minor, const char *currency, char *out, size_t outlen);

#endif
