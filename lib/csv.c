#include "csv.h"
#include <string.h>

int csv_is_formula(const char *v)
{
    return v && (*v == '=' || *v == '+' || *v == '-' || *v == '@' || *v == '\t' || *v == '\r');
}

void csv_field(csv_sink_fn sink, void *ctx, const char *v)
{
    if (!v) return;
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote) sink(ctx, "\"", 1);
    if (csv_is_formula(v)) sink(ctx, "'", 1);
    /* Copy runs between quotes in one go; each quote is written twice. */
    for (const char *p = v;;) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n) sink(ctx, p, n);
        if (!q) break;
        sink(ctx, "\"\"", 2);
        p = q + 1;
    }
    if (quote) sink(ctx, "\"", 1);
}

void csv_row(csv_sink_fn sink, void *ctx, const char *const *values, int n)
{
    /* A lone empty field would be an empty line, which readers skip. */
    if (n == 1 && (!values[0] || !*values[0])) sink(ctx, "\"\"", 2);
    for (int i = 0; i < n; i++) {
        if (i) sink(ctx, ",", 1);
        csv_field(sink, ctx, values[i]);
    }
    sink(ctx, "\r\n", 2);
}
