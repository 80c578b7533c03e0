/* libsodium wrappers: random codes and tokens, hashes, password hashing
 * (Argon2id) and secret boxes under the site key file. */
#ifndef SR_SECRET_H
#define SR_SECRET_H
#include <stddef.h>
#include <stdint.h>

#define SECRET_HASH_LEN 32
#define SECRET_HASH_HEX (SECRET_HASH_LEN * 2 + 1)
#define SECRET_KEY_LEN 32

int  secret_init(void);                                  /* sodium_init; 0 on success */
/* Random URL-safe token of `bytes` random bytes, base64url without padding. */
void secret_token(char *out, size_t outlen, size_t bytes);
/* Random decimal code of `digits` digits (uniform, leading zeros allowed). */
void secret_digits(char *out, int digits);
/* BLAKE2b-256 of data, optionally keyed (key may be NULL). */
void secret_hash(uint8_t out[SECRET_HASH_LEN], const void *data, size_t len,
                 const void *key, size_t keylen);
void secret_hex(char *out, const uint8_t *bin, size_t len);   /* out: 2*len+1 */
int  secret_unhex(uint8_t *out, size_t outlen, const char *hex); /* 0 when exactly outlen bytes */
/* Hash of a token as stored in the database (hex). */
void secret_token_hash_hex(char out[SECRET_HASH_HEX], const char *token);
/* Constant-time comparison of two NUL-terminated strings. */
int  secret_str_equal(const char *a, const char *b);

/* Argon2id.  ops/mem_kib 0 = libsodium's interactive defaults. */
int  secret_password_hash(char *out, size_t outlen, const char *password,
                          unsigned long long ops, size_t mem_kib);
int  secret_password_verify(const char *hash, const char *password);  /* 1 = match */
/* A hash whose verification costs as much as a real one: used for
 * unknown user names so timing does not tell which names exist. */
const char *secret_dummy_password_hash(void);

int  secret_load_key(const char *path, uint8_t key[SECRET_KEY_LEN]);
/* Secret box (XSalsa20-Poly1305): out = nonce || mac || ciphertext. */
size_t secret_box_len(size_t plain_len);
void secret_box_seal(uint8_t *out, const void *plain, size_t len, const uint8_t key[SECRET_KEY_LEN]);
int  secret_box_open(void *plain, const uint8_t *box, size_t box_len, const uint8_t key[SECRET_KEY_LEN]);

#endif
