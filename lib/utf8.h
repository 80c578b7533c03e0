/* UTF-8 checks.  Text from a request is checked once at the door (web.c)
 * so everything behind it may assume valid UTF-8, and lengths are counted
 * in characters, as MariaDB's VARCHAR(n) counts them. */
#ifndef SR_UTF8_H
#define SR_UTF8_H
#include <stddef.h>

/* 1 when buf[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
int    utf8_valid(const char *buf, size_t len);
/* Characters in a valid UTF-8 string. */
size_t utf8_chars(const char *s);

#endif
