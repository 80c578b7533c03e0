#include "rentperiod.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int rp_kind(const char *name, rp_kind_t *kind)
{
    if (name && !strcmp(name, "monthly")) { *kind = RP_MONTHLY; return 0; }
    if (name && !strcmp(name, "yearly")) { *kind = RP_YEARLY; return 0; }
    return -1;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return mdays[m - 1] + (m == 2 && is_leap(y));
}

/* Civil dates and day numbers by whole 400-year eras (146,097 days), the
 * year counted from March so that the leap day ends it. */
int64_t rp_days(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rp_civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int rp_parse(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
    *days = rp_days(y, m, d);
    return 0;
}

void rp_format(int64_t days, char out[11])
{
    int y, m, d;
    rp_civil(days, &y, &m, &d);
    /* Bounded for the compiler's sake; rp_parse keeps years to four digits. */
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

int64_t rp_start(rp_kind_t kind, int64_t start, int64_t k)
{
    if (k <= 0) return start;
    int y, m, d;
    rp_civil(start, &y, &m, &d);
    if (kind == RP_MONTHLY) {
        int64_t months = (int64_t)m - 1 + k;
        return rp_days((int)(y + months / 12), (int)(months % 12) + 1, 1);
    }
    int64_t ay = y + k;
    /* 29 February falls on the 28th in a common year. */
    return rp_days((int)ay, m, d > month_days(ay, m) ? month_days(ay, m) : d);
}

int64_t rp_end(rp_kind_t kind, int64_t start, int64_t k)
{
    return rp_start(kind, start, k + 1) - 1;
}

int64_t rp_next_after(rp_kind_t kind, int64_t start, int64_t from, int64_t today)
{
    if (from < 1) from = 1;
    if (rp_start(kind, start, from) > today) return from;
    /* A first guess from the calendar, then exact steps around it. */
    int y0, m0, d0, y1, m1, d1;
    rp_civil(start, &y0, &m0, &d0);
    rp_civil(today, &y1, &m1, &d1);
    int64_t k = kind == RP_MONTHLY ? ((int64_t)y1 - y0) * 12 + (m1 - m0) : (int64_t)y1 - y0;
    if (k < from) k = from;
    while (k > from && rp_start(kind, start, k) > today) k--;
    while (rp_start(kind, start, k) <= today) k++;
    return k;
}

int64_t rp_prorate(int64_t price, int64_t days, int64_t period_days)
{
    if (price < 0 || period_days <= 0) return -1;
    if (days <= 0) return 0;
    if (days >= period_days) return price;
    if (price > INT64_MAX / period_days) return -1;
    return (price * days + period_days / 2) / period_days;
}
