/* Sealed fingerprint templates (docs/fingerd.md §2).  fingerd seals the
 * print libfprint serialised, behind a header binding it to its site,
 * customer and finger, in a secret box under the site key; the database
 * keeps only that box.  Opening checks the binding against the row the
 * box came from, so a box copied onto another customer's row is refused.
 *
 *   "SRFP1" || site (8 bytes BE) || customer (8, BE) || finger (1) || print */
#ifndef SR_FPTEMPLATE_H
#define SR_FPTEMPLATE_H
#include <stddef.h>
#include <stdint.h>
#include "secret.h"

#define FPT_MAGIC "SRFP1"
#define FPT_MAGIC_LEN 5
#define FPT_HEADER_LEN (FPT_MAGIC_LEN + 8 + 8 + 1)

enum fpt_status {
    FPT_OK = 0,
    FPT_ERR_BOX = -1,        /* does not open under the key: another key, or damaged */
    FPT_ERR_BINDING = -2,    /* opens, but belongs to another site, customer or finger */
    FPT_ERR_NOMEM = -3,
};

/* Pure.  finger is the §3 index 1..10. */
void fpt_header_build(uint8_t out[FPT_HEADER_LEN], int64_t site, int64_t customer, int finger);
/* Pure: 1 when plain starts with the header of exactly this site,
 * customer and finger and carries a print after it. */
int  fpt_header_matches(const uint8_t *plain, size_t len, int64_t site, int64_t customer, int finger);

size_t fpt_sealed_len(size_t print_len);
/* Seals print into out (fpt_sealed_len(print_len) bytes).  FPT_OK or FPT_ERR_NOMEM. */
int  fpt_seal(uint8_t *out, const uint8_t key[SECRET_KEY_LEN], int64_t site, int64_t customer, int finger,
              const void *print, size_t print_len);
/* Opens a sealed template stored on the row (site, customer, finger).  On
 * FPT_OK *print is a malloc'd copy of the serialised print (the caller
 * wipes and frees it); otherwise an fpt_status. */
int  fpt_open(const uint8_t *box, size_t box_len, const uint8_t key[SECRET_KEY_LEN], int64_t site,
              int64_t customer, int finger, uint8_t **print, size_t *print_len);
/* Overwrites and frees a print fpt_open returned. */
void fpt_free_print(uint8_t *print, size_t print_len);

#endif
