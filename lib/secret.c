#include "secret.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int secret_init(void) { return sodium_init() < 0 ? -1 : 0; }

void secret_token(char *out, size_t outlen, size_t bytes)
{
    unsigned char buf[64];
    if (bytes > sizeof buf) bytes = sizeof buf;
    randombytes_buf(buf, bytes);
    sodium_bin2base64(out, outlen, buf, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(buf, sizeof buf);
}

void secret_digits(char *out, int digits)
{
    for (int i = 0; i < digits; i++) out[i] = (char)('0' + randombytes_uniform(10));
    out[digits] = '\0';
}

void secret_hash(uint8_t out[SECRET_HASH_LEN], const void *data, size_t len,
                 const void *key, size_t keylen)
{
    crypto_generichash(out, SECRET_HASH_LEN, data, len, key, key ? keylen : 0);
}

void secret_hex(char *out, const uint8_t *bin, size_t len)
{
    sodium_bin2hex(out, len * 2 + 1, bin, len);
}

int secret_unhex(uint8_t *out, size_t outlen, const char *hex)
{
    size_t got = 0;
    if (!hex || strlen(hex) != outlen * 2) return -1;
    if (sodium_hex2bin(out, outlen, hex, strlen(hex), NULL, &got, NULL) != 0) return -1;
    return got == outlen ? 0 : -1;
}

void secret_token_hash_hex(char out[SECRET_HASH_HEX], const char *token)
{
    uint8_t h[SECRET_HASH_LEN];
    secret_hash(h, token, strlen(token), NULL, 0);
    secret_hex(out, h, sizeof h);
}

int secret_str_equal(const char *a, const char *b)
{
    if (!a || !b) return 0;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return 0;
    return sodium_memcmp(a, b, la) == 0;
}

int secret_password_hash(char *out, size_t outlen, const char *password,
                         unsigned long long ops, size_t mem_kib)
{
    if (outlen < crypto_pwhash_STRBYTES) return -1;
    if (!ops) ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = mem_kib ? mem_kib * 1024 : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    return crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
                                 crypto_pwhash_ALG_ARGON2ID13);
}

int secret_password_verify(const char *hash, const char *password)
{
    if (!hash || !password) return 0;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

const char *secret_dummy_password_hash(void)
{
    /* Made once per process with the default cost. */
    static char dummy[crypto_pwhash_STRBYTES];
    if (!dummy[0]) secret_password_hash(dummy, sizeof dummy, "not a password", 0, 0);
    return dummy;
}

int secret_load_key(const char *path, uint8_t key[SECRET_KEY_LEN])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(key, 1, SECRET_KEY_LEN, f);
    fclose(f);
    return n == SECRET_KEY_LEN ? 0 : -1;
}

size_t secret_box_len(size_t plain_len)
{
    return crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain_len;
}

void secret_box_seal(uint8_t *out, const void *plain, size_t len, const uint8_t key[SECRET_KEY_LEN])
{
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, len, out, key);
}

int secret_box_open(void *plain, const uint8_t *box, size_t box_len, const uint8_t key[SECRET_KEY_LEN])
{
    if (box_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return -1;
    return crypto_secretbox_open_easy(plain, box + crypto_secretbox_NONCEBYTES,
                                      box_len - crypto_secretbox_NONCEBYTES, box, key);
}
