#include "fptemplate.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) { p[i] = (uint8_t)(u & 0xff); u >>= 8; }
}

void fpt_header_build(uint8_t out[FPT_HEADER_LEN], int64_t site, int64_t customer, int finger)
{
    static const uint8_t magic[FPT_MAGIC_LEN] = { 'S', 'R', 'F', 'P', '1' };   /* FPT_MAGIC, no NUL */
    memcpy(out, magic, FPT_MAGIC_LEN);
    put_be64(out + FPT_MAGIC_LEN, site);
    put_be64(out + FPT_MAGIC_LEN + 8, customer);
    out[FPT_MAGIC_LEN + 16] = (uint8_t)finger;
}

int fpt_header_matches(const uint8_t *plain, size_t len, int64_t site, int64_t customer, int finger)
{
    if (len <= FPT_HEADER_LEN || finger < 1 || finger > 255) return 0;
    uint8_t want[FPT_HEADER_LEN];
    fpt_header_build(want, site, customer, finger);
    return memcmp(plain, want, FPT_HEADER_LEN) == 0;
}

size_t fpt_sealed_len(size_t print_len)
{
    return secret_box_len(FPT_HEADER_LEN + print_len);
}

int fpt_seal(uint8_t *out, const uint8_t key[SECRET_KEY_LEN], int64_t site, int64_t customer, int finger,
             const void *print, size_t print_len)
{
    size_t plain_len = FPT_HEADER_LEN + print_len;
    uint8_t *plain = malloc(plain_len);
    if (!plain) return FPT_ERR_NOMEM;
    fpt_header_build(plain, site, customer, finger);
    memcpy(plain + FPT_HEADER_LEN, print, print_len);
    secret_box_seal(out, plain, plain_len, key);
    sodium_memzero(plain, plain_len);
    free(plain);
    return FPT_OK;
}

int fpt_open(const uint8_t *box, size_t box_len, const uint8_t key[SECRET_KEY_LEN], int64_t site,
             int64_t customer, int finger, uint8_t **print, size_t *print_len)
{
    *print = NULL;
    *print_len = 0;
    size_t overhead = secret_box_len(0);
    if (box_len <= overhead) return FPT_ERR_BOX;
    size_t plain_len = box_len - overhead;
    uint8_t *plain = malloc(plain_len);
    if (!plain) return FPT_ERR_NOMEM;
    if (secret_box_open(plain, box, box_len, key) != 0) { free(plain); return FPT_ERR_BOX; }
    if (!fpt_header_matches(plain, plain_len, site, customer, finger)) {
        sodium_memzero(plain, plain_len);
        free(plain);
        return FPT_ERR_BINDING;
    }
    /* The print moves to the front: one allocation, handed over whole. */
    memmove(plain, plain + FPT_HEADER_LEN, plain_len - FPT_HEADER_LEN);
    sodium_memzero(plain + plain_len - FPT_HEADER_LEN, FPT_HEADER_LEN);
    *print = plain;
    *print_len = plain_len - FPT_HEADER_LEN;
    return FPT_OK;
}

void fpt_free_print(uint8_t *print, size_t print_len)
{
    if (!print) return;
    sodium_memzero(print, print_len);
    free(print);
}
