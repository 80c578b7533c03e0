#include "form.h"
#include <string.h>
#include <strings.h>
#include <ctype.h>

const form_limits_t form_default_limits = {
    .max_fields = 256,
    .max_name = 128,
    .max_value = 64 * 1024,
    .max_file = 8 * 1024 * 1024,
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t form_url_decode(char *dst, const char *src, size_t len, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= len) return (size_t)-1;
            int h = hexval((unsigned char)src[i + 1]), l = hexval((unsigned char)src[i + 2]);
            if (h < 0 || l < 0) return (size_t)-1;
            dst[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            dst[o++] = ' ';
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return o;
}

int kv_add(arena_t *a, kvlist_t *l, const char *name, const char *value, size_t len)
{
    kv_t *kv = arena_alloc(a, sizeof *kv);
    if (!kv) return FORM_ERR_NOMEM;
    kv->name = name;
    kv->value = value;
    kv->len = len;
    if (l->tail) l->tail->next = kv; else l->head = kv;
    l->tail = kv;
    l->count++;
    return FORM_OK;
}

const kv_t *kv_find(const kvlist_t *l, const char *name)
{
    for (const kv_t *kv = l->head; kv; kv = kv->next)
        if (strcmp(kv->name, name) == 0) return kv;
    return NULL;
}

const char *kv_value(const kvlist_t *l, const char *name)
{
    const kv_t *kv = kv_find(l, name);
    return kv ? kv->value : NULL;
}

static int add_decoded(arena_t *a, kvlist_t *out, const form_limits_t *lim,
                       const char *name, size_t nlen, const char *val, size_t vlen)
{
    if (out->count >= lim->max_fields) return FORM_ERR_LIMIT;
    if (nlen > lim->max_name * 3 || vlen > lim->max_value * 3) return FORM_ERR_LIMIT;
    char *n = arena_alloc(a, nlen + 1), *v = arena_alloc(a, vlen + 1);
    if (!n || !v) return FORM_ERR_NOMEM;
    size_t dn = form_url_decode(n, name, nlen, 1);
    size_t dv = form_url_decode(v, val, vlen, 1);
    if (dn == (size_t)-1 || dv == (size_t)-1) return FORM_ERR_SYNTAX;
    if (dn == 0) return FORM_ERR_SYNTAX;
    if (dn > lim->max_name || dv > lim->max_value) return FORM_ERR_LIMIT;
    /* Names and values are text: an embedded NUL would make C string
     * handling silently truncate what the user sent. */
    if (memchr(n, '\0', dn) || memchr(v, '\0', dv)) return FORM_ERR_SYNTAX;
    return kv_add(a, out, n, v, dv);
}

int form_parse_urlencoded(arena_t *a, const char *buf, size_t len,
                          const form_limits_t *lim, kvlist_t *out)
{
    if (!lim) lim = &form_default_limits;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && buf[i] != '&' && buf[i] != ';') i++;
        size_t end = i;
        if (i < len) i++;                      /* skip separator */
        if (end == start) continue;            /* "a=1&&b=2" */
        const char *eq = memchr(buf + start, '=', end - start);
        size_t nlen = eq ? (size_t)(eq - (buf + start)) : end - start;
        const char *val = eq ? eq + 1 : buf + end;
        size_t vlen = eq ? (size_t)(buf + end - val) : 0;
        int rc = add_decoded(a, out, lim, buf + start, nlen, val, vlen);
        if (rc) return rc;
    }
    return FORM_OK;
}

int form_parse_cookies(arena_t *a, const char *header, const form_limits_t *lim,
                       kvlist_t *out)
{
    if (!lim) lim = &form_default_limits;
    if (!header) return FORM_OK;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != ';') p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        const char *eq = memchr(start, '=', (size_t)(end - start));
        if (!eq || eq == start) continue;      /* browsers send junk; skip it */
        const char *ne = eq;
        while (ne > start && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
        const char *v = eq + 1, *ve = end;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        if (ve - v >= 2 && *v == '"' && ve[-1] == '"') { v++; ve--; }
        size_t nlen = (size_t)(ne - start), vlen = (size_t)(ve - v);
        if (nlen == 0) continue;
        if (out->count >= lim->max_fields) return FORM_ERR_LIMIT;
        if (nlen > lim->max_name || vlen > lim->max_value) return FORM_ERR_LIMIT;
        char *n = arena_strndup(a, start, nlen), *val = arena_strndup(a, v, vlen);
        if (!n || !val) return FORM_ERR_NOMEM;
        int rc = kv_add(a, out, n, val, vlen);
        if (rc) return rc;
    }
    return FORM_OK;
}

/* Finds the value of parameter `key` in a header value such as
 * `form-data; name="x"; filename="y"`.  Handles quoted and bare values. */
static const char *header_param(arena_t *a, const char *h, size_t hlen, const char *key)
{
    size_t klen = strlen(key);
    size_t i = 0;
    while (i < hlen) {
        while (i < hlen && h[i] != ';') {
            if (h[i] == '"') {                 /* skip quoted strings */
                i++;
                while (i < hlen && h[i] != '"') { if (h[i] == '\\') i++; i++; }
            }
            i++;
        }
        if (i >= hlen) break;
        i++;                                   /* past ';' */
        while (i < hlen && (h[i] == ' ' || h[i] == '\t')) i++;
        if (hlen - i > klen && strncasecmp(h + i, key, klen) == 0 && h[i + klen] == '=') {
            i += klen + 1;
            if (i < hlen && h[i] == '"') {
                i++;
                char *v = arena_alloc(a, hlen - i + 1);
                if (!v) return NULL;
                size_t o = 0;
                while (i < hlen && h[i] != '"') {
                    if (h[i] == '\\' && i + 1 < hlen) i++;
                    v[o++] = h[i++];
                }
                if (i >= hlen) return NULL;    /* unterminated quote */
                v[o] = '\0';
                return v;
            }
            size_t s = i;
            while (i < hlen && h[i] != ';' && h[i] != ' ' && h[i] != '\t') i++;
            return arena_strndup(a, h + s, i - s);
        }
    }
    return NULL;
}

const char *form_multipart_boundary(arena_t *a, const char *content_type)
{
    if (!content_type) return NULL;
    size_t len = strlen(content_type);
    if (len < 19 || strncasecmp(content_type, "multipart/form-data", 19) != 0) return NULL;
    const char *b = header_param(a, content_type, len, "boundary");
    /* RFC 2046: 1..70 characters. */
    if (!b || !*b || strlen(b) > 70) return NULL;
    return b;
}

static const char *memmem_s(const char *h, size_t hl, const char *n, size_t nl)
{
    return memmem(h, hl, n, nl);
}

int form_parse_multipart(arena_t *a, const char *buf, size_t len,
                         const char *content_type, const form_limits_t *lim,
                         kvlist_t *out)
{
    if (!lim) lim = &form_default_limits;
    const char *boundary = form_multipart_boundary(a, content_type);
    if (!boundary) return FORM_ERR_SYNTAX;
    size_t blen = strlen(boundary);
    /* delimiter = CRLF "--" boundary; the first one may lack the CRLF */
    char *delim = arena_alloc(a, blen + 5);
    if (!delim) return FORM_ERR_NOMEM;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;

    const char *end = buf + len;
    const char *p;
    if (len >= dlen - 2 && memcmp(buf, delim + 2, dlen - 2) == 0) {
        p = buf + dlen - 2;
    } else {
        const char *f = memmem_s(buf, len, delim, dlen);
        if (!f) return FORM_ERR_SYNTAX;
        p = f + dlen;
    }

    for (;;) {
        /* after a delimiter: "--" closes, CRLF opens a part */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return FORM_OK;
        while (p < end && (*p == ' ' || *p == '\t')) p++;   /* transport padding */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return FORM_ERR_SYNTAX;
        p += 2;

        const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend) return FORM_ERR_SYNTAX;
        const char *name = NULL, *filename = NULL, *ctype = NULL;
        const char *h = p;
        while (h < hend + 2) {
            const char *eol = memmem_s(h, (size_t)(hend + 2 - h), "\r\n", 2);
            if (!eol) break;
            size_t hl = (size_t)(eol - h);
            if (hl > 1024) return FORM_ERR_LIMIT;
            if (hl >= 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
                const char *v = h + 20;
                while (v < eol && (*v == ' ' || *v == '\t')) v++;
                if ((size_t)(eol - v) < 9 || strncasecmp(v, "form-data", 9) != 0) return FORM_ERR_SYNTAX;
                name = header_param(a, v, (size_t)(eol - v), "name");
                filename = header_param(a, v, (size_t)(eol - v), "filename");
            } else if (hl >= 13 && strncasecmp(h, "Content-Type:", 13) == 0) {
                const char *v = h + 13;
                while (v < eol && (*v == ' ' || *v == '\t')) v++;
                ctype = arena_strndup(a, v, (size_t)(eol - v));
            }
            h = eol + 2;
        }
        if (!name || !*name) return FORM_ERR_SYNTAX;
        if (strlen(name) > lim->max_name) return FORM_ERR_LIMIT;

        const char *body = hend + 4;
        const char *next = memmem_s(body, (size_t)(end - body), delim, dlen);
        if (!next) return FORM_ERR_SYNTAX;     /* truncated: no closing boundary */
        size_t vlen = (size_t)(next - body);
        if (vlen > (filename ? lim->max_file : lim->max_value)) return FORM_ERR_LIMIT;
        if (!filename && memchr(body, '\0', vlen)) return FORM_ERR_SYNTAX;
        if (out->count >= lim->max_fields) return FORM_ERR_LIMIT;
        char *val = arena_strndup(a, body, vlen);
        if (!val) return FORM_ERR_NOMEM;
        int rc = kv_add(a, out, name, val, vlen);
        if (rc) return rc;
        out->tail->filename = filename;
        out->tail->content_type = ctype;
        p = next + dlen;
    }
}
