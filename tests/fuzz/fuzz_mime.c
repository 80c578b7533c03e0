/* libFuzzer target: mime_build with any subject, sender name, text and
 * HTML (the parts of the input between NUL bytes).  Whatever goes in, the
 * message that goes out keeps the promises of lib/mime.h: 7-bit ASCII
 * only, CRLF line endings and no bare CR or LF, no line over 78
 * characters, and the subject and name never break out of their header
 * (no header line the message did not make). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "mime.h"
#include "fuzz_check.h"

/* The next NUL-terminated part of the input (the rest when there is no
 * NUL), copied so the parts are strings. */
static char *part(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    size_t n = (size_t)((z ? z : end) - *p);
    char *s = malloc(n + 1);
    if (s) { memcpy(s, *p, n); s[n] = '\0'; }
    *p = z ? z + 1 : end;
    return s;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

static const char *const headers[] = { "From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:",
                                       "Content-Type:", "Content-Transfer-Encoding:", "Content-Language:",
                                       "Auto-Submitted:", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *subject = part(&p, end), *name = part(&p, end), *text = part(&p, end), *html = part(&p, end);
    arena_t *a = arena_new(4096);
    if (subject && name && text && html && a) {
        mime_mail_t m = { .from_addr = "desk@example.com", .from_name = name, .to_addr = "someone@example.com",
                          .subject = subject, .text = text, .html = *html ? html : NULL, .language = "en",
                          .message_id = "sr-1@example.com", .date = "Mon, 23 Nov 2026 10:00:00 +0000",
                          .boundary = "=_fuzz" };
        char *msg = mime_build(a, &m);
        /* Refused only for a header field with a control character (a
         * line break would start a header of its own) or no text. */
        FUZZ_CHECK(msg || has_control(subject) || has_control(name) || !*text);
        int in_headers = 1;
        for (const char *line = msg ? msg : ""; *line;) {
            const char *crlf = strstr(line, "\r\n");
            FUZZ_CHECK(crlf);                                  /* every line ends in CRLF */
            size_t n = (size_t)(crlf - line);
            FUZZ_CHECK(n <= 78);
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)line[i];
                FUZZ_CHECK(c < 128 && c != '\r' && c != '\n' && c != '\0');
            }
            if (n == 0) in_headers = 0;
            if (in_headers && line[0] != ' ' && line[0] != '\t') {
                int known = 0;
                for (int h = 0; headers[h]; h++) known |= !strncmp(line, headers[h], strlen(headers[h]));
                FUZZ_CHECK(known);                             /* nothing smuggled a header in */
            }
            line = crlf + 2;
        }
        if (msg) fuzz_sink += fuzz_touch(msg, strlen(msg));
    }
    arena_free(a);
    free(subject);
    free(name);
    free(text);
    free(html);
    return 0;
}
