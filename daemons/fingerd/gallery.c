/* Reading sealed templates into a gallery (see gallery.h).
 *
 * A refresh lists the site's rows (id, customer, finger, enrolled_at: the
 * index ix_fingerprints_site plus the rows themselves, no blobs), merges
 * that list with what is in memory, and reads the blobs of new or changed
 * rows only, in pages by id.  An identify over an unchanged site reads no
 * blob, opens no box and deserialises nothing. */
#include <stdlib.h>
#include <string.h>
#include "fptemplate.h"
#include "gallery.h"
#include "log.h"

#define PAGE_ROWS 200                 /* the LIMIT below */

static const char LIST_SQL[] =
    "SELECT id, customer_id, finger, enrolled_at FROM fingerprint_templates WHERE site_id = ? ORDER BY id";
static const char PAGE_SQL[] =
    "SELECT id, customer_id, finger, enrolled_at, template FROM fingerprint_templates"
    " WHERE site_id = ? AND id >= ? AND id <= ? ORDER BY id LIMIT 200";
static const char CUSTOMER_SQL[] =
    "SELECT id, customer_id, finger, enrolled_at, template FROM fingerprint_templates"
    " WHERE customer_id = ? AND site_id = ? ORDER BY id";

static int reserve(fg_gallery_t *g, int n)
{
    if (n <= g->cap) return 0;
    int cap = g->cap ? g->cap : 64;
    while (cap < n) cap *= 2;
    fg_print_t *v = realloc(g->v, sizeof *v * (size_t)cap);
    if (!v) return -1;
    g->v = v;
    g->cap = cap;
    return 0;
}

static void drop_print(fg_print_t *e)
{
    if (e->print) g_object_unref(e->print);
    e->print = NULL;
}

void fg_clear(fg_gallery_t *g)
{
    for (int i = 0; i < g->n; i++) drop_print(&g->v[i]);
    free(g->v);
    memset(g, 0, sizeof *g);
}

/* Opens one row's box and deserialises the print; NULL (logged) when the
 * row is refused. */
static FpPrint *decode(const fd_settings_t *s, const fg_print_t *e, const uint8_t *box, size_t box_len)
{
    uint8_t *plain;
    size_t plain_len;
    int rc = fpt_open(box, box_len, s->key, s->site, e->customer, e->finger, &plain, &plain_len);
    if (rc != FPT_OK) {
        log_warn("template %lld (customer %lld, %s) refused: %s", (long long)e->id, (long long)e->customer,
                 fpp_finger_name(e->finger),
                 rc == FPT_ERR_BOX ? "its box does not open under the site key"
                 : rc == FPT_ERR_BINDING ? "it is sealed for another site, customer or finger"
                                         : "out of memory");
        return NULL;
    }
    GError *error = NULL;
    FpPrint *print = fp_print_deserialize(plain, plain_len, &error);
    fpt_free_print(plain, plain_len);
    if (!print) {
        log_warn("template %lld (customer %lld) refused: libfprint cannot read it: %s", (long long)e->id,
                 (long long)e->customer, error ? error->message : "?");
        g_clear_error(&error);
        return NULL;
    }
    if (g_object_is_floating(print)) g_object_ref_sink(print);
    return print;
}

/* Fills e's key columns from a result row; 0, or -1 for a finger this
 * build does not know (the schema's ENUM and §3 must agree). */
static int row_key(const db_res_t *r, int row, fg_print_t *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_cell_int(r, row, 0);
    e->customer = db_cell_int(r, row, 1);
    e->finger = fpp_finger_index(db_cell(r, row, 2));
    const char *stamp = db_cell(r, row, 3);
    snprintf(e->stamp, sizeof e->stamp, "%s", stamp ? stamp : "");
    if (!e->finger) {
        log_warn("template %lld has an unknown finger \"%s\": skipped", (long long)e->id, db_cell(r, row, 2));
        return -1;
    }
    return 0;
}

static int same_row(const fg_print_t *a, const fg_print_t *b)
{
    return a->customer == b->customer && a->finger == b->finger && !strcmp(a->stamp, b->stamp);
}

static void count(fg_gallery_t *g)
{
    g->usable = g->customers = 0;
    GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, NULL);
    for (int i = 0; i < g->n; i++) {
        if (!g->v[i].print) continue;
        g->usable++;
        g_hash_table_add(seen, &g->v[i].customer);
    }
    g->customers = (int)g_hash_table_size(seen);
    g_hash_table_destroy(seen);
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const fg_print_t *)a)->id, y = ((const fg_print_t *)b)->id;
    return (x > y) - (x < y);
}

/* Reads the blobs of the entries of next[] still waiting (loaded[i] 0),
 * page by page over their id range.  A waiting entry whose row vanished
 * meanwhile stays unloaded; the caller drops it. */
static int load_waiting(fg_gallery_t *next, char *loaded, db_t *db, const fd_settings_t *s)
{
    int64_t lo = 0, hi = 0;
    for (int i = 0; i < next->n; i++) {
        if (loaded[i]) continue;
        if (!lo) lo = next->v[i].id;
        hi = next->v[i].id;
    }
    while (lo && lo <= hi) {
        arena_t *a = arena_new(1 << 20);
        db_res_t *r;
        int rc = a ? db_query(db, a, &r, PAGE_SQL, "iii", s->site, lo, hi) : DB_ERR;
        if (rc != DB_OK) { arena_free(a); return rc; }
        for (int row = 0; row < r->nrows; row++) {
            fg_print_t got;
            if (row_key(r, row, &got) != 0) continue;
            fg_print_t *slot = bsearch(&got, next->v, (size_t)next->n, sizeof got, by_id);
            if (!slot || loaded[slot - next->v]) continue;
            got.print = decode(s, &got, (const uint8_t *)db_cell(r, row, 4), r->lens[row * r->ncols + 4]);
            got.recency = ++next->clock;
            *slot = got;
            loaded[slot - next->v] = 1;
        }
        lo = r->nrows < PAGE_ROWS ? hi + 1 : db_cell_int(r, r->nrows - 1, 0) + 1;
        arena_free(a);
    }
    return DB_OK;
}

int fg_refresh(fg_gallery_t *g, db_t *db, const fd_settings_t *s)
{
    double t0 = fd_now_ms();
    arena_t *a = arena_new(65536);
    db_res_t *r;
    int rc = a ? db_query(db, a, &r, LIST_SQL, "i", s->site) : DB_ERR;
    if (rc != DB_OK) { arena_free(a); return rc; }

    /* Merge the list (by id) with what is held (by id). */
    fg_gallery_t next = { .clock = g->clock };
    char *loaded = calloc((size_t)r->nrows + 1, 1);
    if (!loaded || reserve(&next, r->nrows + 1) != 0) { free(loaded); arena_free(a); fg_clear(&next); return DB_ERR; }
    int old = 0, fresh = 0;
    for (int row = 0; row < r->nrows; row++) {
        fg_print_t e;
        if (row_key(r, row, &e) != 0) continue;
        while (old < g->n && g->v[old].id < e.id) drop_print(&g->v[old++]);
        if (old < g->n && g->v[old].id == e.id && same_row(&g->v[old], &e)) {
            loaded[next.n] = 1;
            e = g->v[old];
            g->v[old++].print = NULL;          /* moved, not dropped */
        } else {
            fresh++;
        }
        next.v[next.n++] = e;
    }
    while (old < g->n) drop_print(&g->v[old++]);
    arena_free(a);

    rc = fresh ? load_waiting(&next, loaded, db, s) : DB_OK;
    if (rc != DB_OK) {
        /* The old entries were handed over: start again from nothing at
         * the next refresh rather than keep half a gallery. */
        free(loaded);
        fg_clear(&next);
        fg_clear(g);
        return rc;
    }
    int kept = 0;
    for (int i = 0; i < next.n; i++)
        if (loaded[i]) next.v[kept++] = next.v[i];
    next.n = kept;
    free(loaded);
    free(g->v);
    *g = next;
    count(g);
    if (fresh)
        log_info("gallery of site %lld: %d rows read in %.0f ms, %d prints of %d customers in memory",
                 (long long)s->site, fresh, fd_now_ms() - t0, g->usable, g->customers);
    return DB_OK;
}

int fg_load_customer(fg_gallery_t *g, db_t *db, const fd_settings_t *s, int64_t customer)
{
    memset(g, 0, sizeof *g);
    arena_t *a = arena_new(65536);
    db_res_t *r;
    int rc = a ? db_query(db, a, &r, CUSTOMER_SQL, "ii", customer, s->site) : DB_ERR;
    if (rc == DB_OK && reserve(g, r->nrows + 1) != 0) rc = DB_ERR;
    for (int row = 0; rc == DB_OK && row < r->nrows; row++) {
        fg_print_t e;
        if (row_key(r, row, &e) != 0) continue;
        e.print = decode(s, &e, (const uint8_t *)db_cell(r, row, 4), r->lens[row * r->ncols + 4]);
        e.recency = ++g->clock;
        g->v[g->n++] = e;
    }
    arena_free(a);
    if (rc != DB_OK) { fg_clear(g); return rc; }
    count(g);
    return DB_OK;
}

static int most_recent_first(const void *a, const void *b)
{
    uint64_t x = (*(fg_print_t *const *)a)->recency, y = (*(fg_print_t *const *)b)->recency;
    return (x < y) - (x > y);
}

GPtrArray *fg_candidates(const fg_gallery_t *g, FpDevice *dev)
{
    fg_print_t **order = malloc(sizeof(fg_print_t *) * (size_t)(g->n + 1));
    GPtrArray *out = g_ptr_array_new_full((guint)g->n, g_object_unref);
    if (!order) return out;
    int n = 0;
    for (int i = 0; i < g->n; i++)
        if (g->v[i].print && fp_print_compatible(g->v[i].print, dev)) order[n++] = &g->v[i];
    /* libfprint matches one print after another and stops at the first
     * match: whoever matched last comes first. */
    qsort(order, (size_t)n, sizeof(fg_print_t *), most_recent_first);
    for (int i = 0; i < n; i++) g_ptr_array_add(out, g_object_ref(order[i]->print));
    free(order);
    return out;
}

fg_print_t *fg_find(fg_gallery_t *g, const FpPrint *print)
{
    for (int i = 0; print && i < g->n; i++)
        if (g->v[i].print == print) return &g->v[i];
    return NULL;
}

void fg_touch(fg_gallery_t *g, fg_print_t *e)
{
    e->recency = ++g->clock;
}
