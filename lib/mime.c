#include "mime.h"
#include <stdio.h>
#include <string.h>

#define LINE_MAX_QP 76      /* RFC 2045: encoded lines, soft-break '=' included */
#define HEADER_FOLD 78      /* RFC 5322's "SHOULD" line length */
#define WORD_BYTES 45       /* UTF-8 bytes per encoded word: 60 base64 characters, 72 with the wrapping */

/* A growing string in an arena: appends copy into a fresh block when the
 * old one is full (the arena frees everything at once). */
typedef struct buf { arena_t *a; char *s; size_t len, cap; int oom; } buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *s2 = arena_alloc(b->a, cap);
        if (!s2) { b->oom = 1; return; }
        if (b->len) memcpy(s2, b->s, b->len);
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

static char *done(buf_t *b)
{
    if (!b->oom && !b->s) put(b, "", 0);
    return b->oom ? NULL : b->s;
}

void mime_date(time_t t, char out[32])
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    gmtime_r(&t, &tm);
    /* Not strftime: %a and %b follow the locale, RFC 5322 wants English. */
    snprintf(out, 32, "%s, %02u %s %04u %02u:%02u:%02u +0000", days[(unsigned)tm.tm_wday % 7],
             (unsigned)tm.tm_mday % 100, months[(unsigned)tm.tm_mon % 12], (unsigned)(tm.tm_year + 1900) % 10000,
             (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100);
}

/* ---------- quoted-printable ---------- */

char *mime_qp(arena_t *a, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_t b = { .a = a };
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n') p++;
            puts_(&b, "\r\n");
            col = 0;
            continue;
        }
        int at_eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
        int literal = (*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !at_eol);
        /* A leading dot means end of data to a careless relay. */
        if (*p == '.' && col == 0) literal = 0;
        char tok[3] = { (char)*p, 0, 0 };
        size_t n = 1;
        if (!literal) { tok[0] = '='; tok[1] = hex[*p >> 4]; tok[2] = hex[*p & 15]; n = 3; }
        /* Room for the token and, unless the line ends right after it, a
         * soft break's '='. */
        if (col + n > (at_eol ? LINE_MAX_QP : LINE_MAX_QP - 1)) {
            puts_(&b, "=\r\n");
            col = 0;
            if (*p == '.') { tok[0] = '='; tok[1] = '2'; tok[2] = 'E'; n = 3; }
        }
        put(&b, tok, n);
        col += n;
    }
    return done(&b);
}

/* ---------- headers ---------- */

static void base64(buf_t *b, const unsigned char *s, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char out[4] = { tbl[v >> 18 & 63], tbl[v >> 12 & 63], tbl[v >> 6 & 63], tbl[v & 63] };
        if (i + 1 >= n) out[2] = '=';
        if (i + 2 >= n) out[3] = '=';
        put(b, out, 4);
    }
}

static int plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e) return 0;
    /* "=?" would be read as the start of an encoded word. */
    return strstr(s, "=?") == NULL;
}

/* Encoded words of whole UTF-8 characters, one per line, each line
 * within 78 characters: the first after a prefix of col characters, the
 * others after the folding space.  RFC 2047 caps a word at 75. */
static void encoded_words(buf_t *b, const char *s, size_t col)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t room = HEADER_FOLD > col + 12 ? (HEADER_FOLD - col - 12) / 4 * 3 : 3;
        size_t max = room < WORD_BYTES ? room : WORD_BYTES;
        size_t n = len - i < max ? len - i : max;
        while (n > 0 && i + n < len && (p[i + n] & 0xc0) == 0x80) n--;   /* back to a character start */
        if (n == 0) n = len - i < max ? len - i : max;                   /* not UTF-8: cut anyway */
        if (i) puts_(b, "\r\n ");
        puts_(b, "=?UTF-8?B?");
        base64(b, p + i, n);
        puts_(b, "?=");
        i += n;
        col = 1;
    }
}

/* A word that no fold can shorten (longer than a whole line, the first
 * one after the header's name) would break the 78-character limit. */
static int has_unfoldable_word(const char *s, size_t first_col)
{
    for (const char *p = s; *p;) {
        const char *sp = strchr(p + 1, ' ');
        size_t word = sp ? (size_t)(sp - p) : strlen(p);
        if ((p == s ? first_col : 0) + word > HEADER_FOLD) return 1;
        p += word;
    }
    return 0;
}

char *mime_header_text(arena_t *a, const char *text, size_t name_len)
{
    buf_t b = { .a = a };
    const char *s = text ? text : "";
    /* Encoded words may be split anywhere: they carry any non-ASCII text
     * and any word too long to fold. */
    if (!plain_ascii(s) || has_unfoldable_word(s, name_len + 2)) {
        encoded_words(&b, s, name_len + 2);
        return done(&b);
    }
    /* Fold before a space once a line would pass 78 characters; the
     * space stays, so unfolding gives the text back. */
    size_t col = name_len + 2;
    while (*s) {
        const char *sp = strchr(s + 1, ' ');
        size_t word = sp ? (size_t)(sp - s) : strlen(s);
        if (col + word > HEADER_FOLD && col > 1 && *s == ' ') { puts_(&b, "\r\n"); col = 0; }
        put(&b, s, word);
        col += word;
        s += word;
    }
    return done(&b);
}

/* ---------- the message ---------- */

static int addr_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 254 || !strchr(s, '@')) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ',' || *p == '\\') return 0;
    return 1;
}

static int boundary_ok(const char *s)
{
    if (!s || strncmp(s, "=_", 2) != 0 || strlen(s) < 3 || strlen(s) > 62) return 0;
    for (const char *p = s + 2; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
            return 0;
    return 1;
}

static int header_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

/* Whether a name as a quoted string fits on the line after col; a longer
 * one goes as encoded words, which fold. */
static int quoted_fits(const char *name, size_t col)
{
    size_t n = col + 2;
    for (const char *p = name; *p; p++) n += *p == '"' || *p == '\\' ? 2 : 1;
    return n <= HEADER_FOLD;
}

static void from_header(buf_t *b, const mime_mail_t *m)
{
    puts_(b, "From: ");
    if (m->from_name && *m->from_name) {
        size_t start = b->len;
        if (plain_ascii(m->from_name) && quoted_fits(m->from_name, strlen("From: "))) {
            /* A quoted string: only '"' and '\' need a backslash. */
            puts_(b, "\"");
            for (const char *p = m->from_name; *p; p++) {
                if (*p == '"' || *p == '\\') puts_(b, "\\");
                put(b, p, 1);
            }
            puts_(b, "\"");
        } else {
            encoded_words(b, m->from_name, strlen("From: "));
        }
        /* The address on a line of its own when the name is long. */
        const char *nl = b->oom ? NULL : strrchr(b->s + start, '\n');
        size_t last = nl ? b->len - (size_t)(nl + 1 - b->s) : b->len - start + strlen("From: ");
        puts_(b, last + strlen(m->from_addr) + 3 > HEADER_FOLD ? "\r\n <" : " <");
    } else {
        puts_(b, "<");
    }
    puts_(b, m->from_addr);
    puts_(b, ">\r\n");
}

/* A text part.  The line break before a boundary belongs to the
 * boundary; a message of one part ends with its last line, so text that
 * does not end in a line break ends in a soft break: either way the
 * reader decodes exactly the text that was given. */
static void text_part(buf_t *b, const char *type, const char *body, int alone)
{
    puts_(b, "Content-Type: ");
    puts_(b, type);
    puts_(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    char *qp = mime_qp(b->a, body);
    if (!qp) { b->oom = 1; return; }
    puts_(b, qp);
    size_t n = strlen(qp);
    if (!alone) puts_(b, "\r\n");
    else if (n < 2 || strcmp(qp + n - 2, "\r\n") != 0) puts_(b, "=\r\n");
}

char *mime_build(arena_t *a, const mime_mail_t *m)
{
    if (!m || !addr_ok(m->from_addr) || !addr_ok(m->to_addr) || !m->text || !m->date || !header_ok(m->date) ||
        !m->message_id || !addr_ok(m->message_id) || !header_ok(m->subject) || !header_ok(m->from_name) ||
        (m->language && (!*m->language || !plain_ascii(m->language) || strchr(m->language, ' '))) ||
        (m->html && !boundary_ok(m->boundary)))
        return NULL;
    buf_t b = { .a = a };
    from_header(&b, m);
    puts_(&b, "To: <");
    puts_(&b, m->to_addr);
    puts_(&b, ">\r\nSubject: ");
    char *subject = mime_header_text(a, m->subject, strlen("Subject"));
    if (!subject) return NULL;
    puts_(&b, subject);
    puts_(&b, "\r\nDate: ");
    puts_(&b, m->date);
    puts_(&b, "\r\nMessage-ID: <");
    puts_(&b, m->message_id);
    puts_(&b, ">\r\nMIME-Version: 1.0\r\n");
    /* RFC 3834: no vacation replies or other robots answering a robot. */
    puts_(&b, "Auto-Submitted: auto-generated\r\n");
    if (m->language) { puts_(&b, "Content-Language: "); puts_(&b, m->language); puts_(&b, "\r\n"); }
    if (!m->html) {
        text_part(&b, "text/plain", m->text, 1);
        return done(&b);
    }
    /* The boundary starts with "=_", which quoted-printable text can never
     * contain (every '=' in it is "=3D" or a soft break at a line's end). */
    puts_(&b, "Content-Type: multipart/alternative;\r\n boundary=\"");
    puts_(&b, m->boundary);
    puts_(&b, "\"\r\n\r\nThis is a MIME message in two forms, text and HTML.\r\n");
    const char *parts[2][2] = { { "text/plain", m->text }, { "text/html", m->html } };
    for (int i = 0; i < 2; i++) {
        puts_(&b, "--");
        puts_(&b, m->boundary);
        puts_(&b, "\r\n");
        text_part(&b, parts[i][0], parts[i][1], 0);
    }
    puts_(&b, "--");
    puts_(&b, m->boundary);
    puts_(&b, "--\r\n");
    return done(&b);
}
