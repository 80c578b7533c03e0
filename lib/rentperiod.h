/* The rent periods of a vault contract, as pure date arithmetic on a
 * site's local calendar (the billing run turns "now" into the site's local
 * date first).  Dates are day numbers: days since 1970-01-01 in the
 * proleptic Gregorian calendar, so comparing and counting are plain
 * integer operations over a million contracts.
 *
 * Period 0 is the one charged when the contract is made (contract_create):
 * monthly, from the start day to the end of that month; yearly, a year from
 * the start day.  Period k >= 1 starts:
 *   monthly  on the 1st of the k-th month after the start month;
 *   yearly   on the k-th anniversary of the start day; a contract started
 *            on 29 February has its anniversary on 28 February in a common
 *            year and on 29 February again in a leap year.
 * The billing run charges period k under the key rent:<contract>:<its
 * start date>, the same shape contract_create uses for period 0. */
#ifndef SR_RENTPERIOD_H
#define SR_RENTPERIOD_H
#include <stdint.h>

typedef enum { RP_MONTHLY, RP_YEARLY } rp_kind_t;

/* "monthly" / "yearly" into *kind; -1 for anything else. */
int     rp_kind(const char *name, rp_kind_t *kind);

int64_t rp_days(int y, int m, int d);
void    rp_civil(int64_t days, int *y, int *m, int *d);
/* Strict YYYY-MM-DD of a real date (years 1900-9999) into a day number;
 * -1 for anything else. */
int     rp_parse(const char *s, int64_t *days);
void    rp_format(int64_t days, char out[11]);

/* The first day of period k (k >= 0; period 0 starts on start). */
int64_t rp_start(rp_kind_t kind, int64_t start, int64_t k);
/* The last day of period k: the day before period k + 1 starts. */
int64_t rp_end(rp_kind_t kind, int64_t start, int64_t k);
/* The first period, k >= from, that has not started on day today:
 * periods from .. result - 1 are due.  from itself when none is due. */
int64_t rp_next_after(rp_kind_t kind, int64_t start, int64_t from, int64_t today);
/* price for `days` of a period `period_days` long, rounded half up, in
 * minor units; the whole price when days >= period_days, 0 when days <= 0.
 * -1 when price is negative or the product could overflow. */
int64_t rp_prorate(int64_t price, int64_t days, int64_t period_days);

#endif
