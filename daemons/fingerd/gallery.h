/* The prints fingerd matches against, deserialised from the sealed rows
 * of fingerprint_templates (reader thread only).  The site's gallery is
 * kept between identifies and brought up to date incrementally before
 * each one; a verify loads the customer's few rows fresh into a gallery
 * of its own. */
#ifndef SR_FINGERD_GALLERY_H
#define SR_FINGERD_GALLERY_H
#include <fprint.h>
#include "fingerd.h"

typedef struct fg_print {
    int64_t id, customer;
    int finger;
    char stamp[40];          /* enrolled_at as the database gives it: a re-enrolment changes it */
    FpPrint *print;          /* NULL: the row was refused (and logged) */
    uint64_t recency;        /* higher = matched (or loaded) more recently */
} fg_print_t;

typedef struct fg_gallery {
    fg_print_t *v;           /* ordered by id */
    int n, cap;
    uint64_t clock;
    int usable, customers;
} fg_gallery_t;

/* Brings g in line with the site's rows: rows gone are dropped, new or
 * changed ones are read, opened and deserialised; unchanged ones are kept
 * as they are.  DB_OK or the database's error (g is then unchanged). */
int  fg_refresh(fg_gallery_t *g, db_t *db, const fd_settings_t *s);
/* A customer's rows of the site, fresh (g starts empty). */
int  fg_load_customer(fg_gallery_t *g, db_t *db, const fd_settings_t *s, int64_t customer);
void fg_clear(fg_gallery_t *g);

/* The usable prints dev can match, most recently matched first, each
 * with a reference of the array's own. */
GPtrArray  *fg_candidates(const fg_gallery_t *g, FpDevice *dev);
fg_print_t *fg_find(fg_gallery_t *g, const FpPrint *print);
/* The entry matched: it moves to the front of the next identify. */
void        fg_touch(fg_gallery_t *g, fg_print_t *e);

#endif
