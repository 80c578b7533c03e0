#include "gateway.h"
#include "outbox.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const placeholders[] = { "to", "text", "id" };

/* The placeholder at p ("{word}"): its index, or -1 when p does not start
 * a lower-case word in braces, -2 when it does but the word is unknown.
 * *len is the length of "{word}". */
static int placeholder_at(const char *p, size_t *len)
{
    if (*p != '{') return -1;
    size_t n = 1;
    while ((p[n] >= 'a' && p[n] <= 'z') || p[n] == '_') n++;
    if (n == 1 || p[n] != '}') return -1;
    *len = n + 1;
    for (size_t i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
        if (strlen(placeholders[i]) == n - 1 && !strncmp(p + 1, placeholders[i], n - 1)) return (int)i;
    return -2;
}

int gateway_template_check(const char *tmpl, char *err, size_t errlen)
{
    if (!tmpl || !*tmpl) { snprintf(err, errlen, "the body template is empty"); return -1; }
    for (const char *p = tmpl; *p; p++) {
        size_t len;
        if (placeholder_at(p, &len) == -2) {
            snprintf(err, errlen, "unknown placeholder %.*s (known: {to}, {text}, {id})", (int)len, p);
            return -1;
        }
    }
    return 0;
}

/* Appends s escaped for the body type to out (NULL: only counts).
 * Returns the length it takes. */
static size_t escaped(char *out, const char *s, int type)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char tmp[7];
        size_t k;
        if (type == GATEWAY_FORM) {
            if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
                tmp[0] = (char)*p; k = 1;
            } else if (*p == ' ') {
                tmp[0] = '+'; k = 1;
            } else {
                tmp[0] = '%'; tmp[1] = hex[*p >> 4]; tmp[2] = hex[*p & 15]; k = 3;
            }
        } else {
            /* UTF-8 passes as it is: JSON text is UTF-8. */
            const char *e = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r"
                          : *p == '\t' ? "\\t" : *p == '\b' ? "\\b" : *p == '\f' ? "\\f" : NULL;
            if (e) { k = strlen(e); memcpy(tmp, e, k); }
            else if (*p < 0x20 || *p == 0x7f) { snprintf(tmp, sizeof tmp, "\\u%04x", *p); k = 6; }
            else { tmp[0] = (char)*p; k = 1; }
        }
        if (out) memcpy(out + n, tmp, k);
        n += k;
    }
    return n;
}

static size_t render_into(char *out, const char *tmpl, int type, const char *const values[3])
{
    size_t n = 0;
    for (const char *p = tmpl; *p;) {
        size_t len;
        int which = placeholder_at(p, &len);
        if (which >= 0) {
            n += escaped(out ? out + n : NULL, values[which] ? values[which] : "", type);
            p += len;
        } else {
            if (out) out[n] = *p;
            n++;
            p++;
        }
    }
    return n;
}

char *gateway_render(arena_t *a, const char *tmpl, int type, const char *to, const char *text, const char *id)
{
    const char *const values[3] = { to, text, id };
    size_t n = render_into(NULL, tmpl, type, values);
    char *out = arena_alloc(a, n + 1);
    if (!out) return NULL;
    render_into(out, tmpl, type, values);
    out[n] = '\0';
    return out;
}

/* Slack reads &, < and > as markup; everything else is shown as sent. */
static void slack_escape(char *out, size_t *n, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        const char one[2] = { *s, '\0' };
        for (const char *c = e ? e : one; *c; c++) {
            if (out) out[*n] = *c;
            (*n)++;
        }
    }
}

static char *dump(arena_t *a, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    char *out = text ? arena_strdup(a, text) : NULL;
    free(text);
    return out;
}

char *gateway_slack_body(arena_t *a, const char *subject, const char *text)
{
    int has_subject = subject && *subject;
    size_t n = 0;
    if (has_subject) { slack_escape(NULL, &n, subject); n += 3; }
    slack_escape(NULL, &n, text ? text : "");
    char *msg = arena_alloc(a, n + 1);
    if (!msg) return NULL;
    n = 0;
    if (has_subject) {
        msg[n++] = '*';
        slack_escape(msg, &n, subject);
        msg[n++] = '*';
        msg[n++] = '\n';
    }
    slack_escape(msg, &n, text ? text : "");
    msg[n] = '\0';
    return dump(a, json_pack("{s:s}", "text", msg));
}

char *gateway_teams_body(arena_t *a, const char *subject, const char *text)
{
    const char *body = text ? text : "";
    /* Teams shows the summary in notifications: the subject, or the
     * text's start, cut before a character that would not fit whole. */
    const char *from = subject && *subject ? subject : body;
    char summary[121];
    size_t n = strlen(from);
    if (n > sizeof summary - 1) {
        n = sizeof summary - 1;
        while (n && ((unsigned char)from[n] & 0xc0) == 0x80) n--;
    }
    memcpy(summary, from, n);
    summary[n] = '\0';
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "@type", "MessageCard", "@context", "https://schema.org/extensions",
                          "summary", summary, "text", body);
    if (j && subject && *subject) json_object_set_new(j, "title", json_string(subject));
    return dump(a, j);
}

char *gateway_answer_field(arena_t *a, const char *answer, size_t len, const char *path)
{
    if (!answer || !len || !path || !*path) return NULL;
    json_t *root = json_loadb(answer, len, 0, NULL), *v = root;
    char key[128];
    for (const char *p = path; v && *p;) {
        const char *dot = strchr(p, '.');
        size_t k = dot ? (size_t)(dot - p) : strlen(p);
        if (k == 0 || k >= sizeof key) { v = NULL; break; }
        memcpy(key, p, k);
        key[k] = '\0';
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        p += k + (dot ? 1 : 0);
    }
    char *out = NULL, num[24];
    if (json_is_string(v)) out = arena_strdup(a, json_string_value(v));
    else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        out = arena_strdup(a, num);
    }
    json_decref(root);
    return out && *out ? out : NULL;
}

int gateway_status_outcome(long status)
{
    if (status >= 200 && status <= 299) return OUTBOX_SENT;
    if (status == 408 || status == 429 || (status >= 500 && status <= 599)) return OUTBOX_RETRY;
    return OUTBOX_FAILED;
}
