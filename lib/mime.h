/* An e-mail message as notifyd hands it to SMTP (RFC 5322, MIME): UTF-8
 * text in quoted-printable, a text/html alternative when there is one,
 * RFC 2047 encoded words for a non-ASCII subject or sender name, CRLF
 * line endings, nothing but 7-bit ASCII on the wire and no line over 78
 * characters (but for an address longer than a line: addresses do not
 * fold).  Pure: the caller gives the date and the Message-ID, so the
 * same message always gives the same text. */
#ifndef SR_MIME_H
#define SR_MIME_H
#include <stddef.h>
#include <time.h>
#include "arena.h"

typedef struct mime_mail {
    const char *from_addr;      /* required, ASCII */
    const char *from_name;      /* display name, UTF-8; NULL or "" = none */
    const char *to_addr;        /* required, ASCII */
    const char *subject;        /* UTF-8, no line breaks; NULL = "" */
    const char *text;           /* required: the text/plain part */
    const char *html;           /* the text/html alternative; NULL = text only */
    const char *language;       /* Content-Language; NULL = none */
    const char *message_id;     /* without the angle brackets, e.g. "sr-42@example.com" */
    const char *date;           /* mime_date() */
    const char *boundary;       /* unique to the message, 1-60 of [A-Za-z0-9_.-] after a leading "=_" */
} mime_mail_t;

/* The whole message (headers, blank line, body), NUL-terminated, in a.
 * NULL when a required field is missing, an address or the boundary is
 * not acceptable, or memory runs out. */
char *mime_build(arena_t *a, const mime_mail_t *m);

/* An RFC 5322 date in UTC, "Tue, 01 Jul 2025 12:00:00 +0000" (out: 32 bytes). */
void mime_date(time_t t, char out[32]);

/* Quoted-printable of UTF-8 text (RFC 2045 §6.7): any line break becomes
 * CRLF, lines of at most 76 characters with soft breaks, trailing
 * spaces, '=', a line's leading '.' and every byte outside printable
 * ASCII encoded. */
char *mime_qp(arena_t *a, const char *text);

/* A header's value, folded after the name of name_len characters and its
 * colon and space: printable ASCII as it is (folded at spaces), anything
 * else as RFC 2047 "B" encoded words of whole UTF-8 characters. */
char *mime_header_text(arena_t *a, const char *text, size_t name_len);

#endif
