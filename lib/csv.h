/* CSV export (RFC 4180): comma-separated, CRLF line ends, a field quoted
 * when it holds a comma, a quote, CR or LF, quotes doubled inside.
 *
 * Exports are opened in spreadsheets, which run a cell that starts with
 * = + - @ (or a TAB or CR before one) as a formula; such a cell gets a
 * leading apostrophe so it is shown as the text it is.  This costs a
 * negative number its sign as a number; exports here hold no signed
 * numbers where that matters (money exports must format amounts apart).
 *
 * Output goes through a sink so the same code writes into a response,
 * a file or a test buffer. */
#ifndef SR_CSV_H
#define SR_CSV_H
#include <stddef.h>

typedef void (*csv_sink_fn)(void *ctx, const char *buf, size_t len);

/* True when a spreadsheet would take the cell for a formula. */
int  csv_is_formula(const char *value);
/* One field, neutralised and quoted as needed; NULL writes an empty field. */
void csv_field(csv_sink_fn sink, void *ctx, const char *value);
/* n fields separated by commas, then CRLF. */
void csv_row(csv_sink_fn sink, void *ctx, const char *const *values, int n);

#endif
