#include "render.h"
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <glob.h>

#define MAX_TEMPLATES 64
#define MAX_LANGS 8

struct tmpl { char *name; CSPARSE *cs; };

struct render {
    HDF *hdf;
    char dir[512];
    char langs[MAX_LANGS][8];
    int nlangs;
    char current[8];
    struct tmpl cache[MAX_TEMPLATES];
    int ncache;
};

void render_log_error(const char *what, NEOERR *ne)
{
    STRING s;
    string_init(&s);
    nerr_error_string(ne, &s);
    log_error("%s: %s", what, s.buf ? s.buf : "?");
    string_clear(&s);
    nerr_ignore(&ne);
}

NEOERR *render_read_lang(HDF *node, const char *dir, const char *code, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/lang/%s.hdf", dir, code);
    NEOERR *ne = hdf_read_file(node, path);
    if (ne) return ne;
    /* Each module may keep its strings in lang/<code>/<module>.hdf. */
    char pattern[700];
    snprintf(pattern, sizeof pattern, "%s/lang/%s/*.hdf", dir, code);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) return STATUS_OK;
    for (size_t i = 0; !ne && i < g.gl_pathc; i++) {
        snprintf(path, pathlen, "%s", g.gl_pathv[i]);
        ne = hdf_read_file(node, path);
    }
    globfree(&g);
    return ne;
}

render_t *render_new(const char *dir, const char *languages, const char *default_lang,
                     char *err, size_t errlen)
{
    render_t *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    NEOERR *ne = hdf_init(&r->hdf);
    if (ne) { nerr_ignore(&ne); free(r); snprintf(err, errlen, "hdf_init failed"); return NULL; }
    hdf_set_value(r->hdf, "Config.VarEscapeMode", "html");
    hdf_set_value(r->hdf, "hdf.loadpaths.0", dir);

    /* The default language first: it is the fallback. */
    char list[256];
    snprintf(list, sizeof list, "%s,%s", default_lang, languages);
    for (char *save = NULL, *code = strtok_r(list, ", ", &save); code; code = strtok_r(NULL, ", ", &save)) {
        if (render_has_lang(r, code) || r->nlangs >= MAX_LANGS || strlen(code) >= 8) continue;
        char path[700], node[32];
        snprintf(node, sizeof node, "Langs.%s", code);
        HDF *sub;
        if ((ne = hdf_get_node(r->hdf, node, &sub)) == STATUS_OK) ne = render_read_lang(sub, dir, code, path, sizeof path);
        if (ne) {
            snprintf(err, errlen, "cannot load %s", path);
            nerr_ignore(&ne);
            render_free(r);
            return NULL;
        }
        snprintf(r->langs[r->nlangs++], 8, "%s", code);
    }
    for (int i = 0; i < r->nlangs; i++) {
        char key[64];
        snprintf(key, sizeof key, "Languages.%d.code", i);
        hdf_set_value(r->hdf, key, r->langs[i]);
        snprintf(key, sizeof key, "Languages.%d.name", i);
        char nkey[64];
        snprintf(nkey, sizeof nkey, "Langs.%s.language_name", r->langs[i]);
        hdf_set_value(r->hdf, key, hdf_get_value(r->hdf, nkey, r->langs[i]));
    }
    snprintf(r->current, sizeof r->current, "%s", r->langs[0]);
    hdf_set_symlink(r->hdf, "Lang", "Langs.en");
    return r;
}

void render_free(render_t *r)
{
    if (!r) return;
    for (int i = 0; i < r->ncache; i++) { cs_destroy(&r->cache[i].cs); free(r->cache[i].name); }
    if (r->hdf) hdf_destroy(&r->hdf);
    free(r);
}

HDF *render_hdf(render_t *r) { return r->hdf; }

int render_has_lang(const render_t *r, const char *code)
{
    for (int i = 0; i < r->nlangs; i++) if (!strcmp(r->langs[i], code)) return 1;
    return 0;
}

static void use_lang(render_t *r, const char *code)
{
    snprintf(r->current, sizeof r->current, "%s", code);
    char dest[32];
    snprintf(dest, sizeof dest, "Langs.%s", code);
    hdf_set_symlink(r->hdf, "Lang", dest);
}

const char *render_pick_lang(render_t *r, web_req_t *req)
{
    const char *q = web_query(req, "lang");
    if (q && render_has_lang(r, q)) {
        /* An explicit choice sticks for a year. */
        web_set_cookie(req, "sr_lang", q, 365L * 86400, 1);
        use_lang(r, q);
        return r->current;
    }
    const char *c = web_cookie(req, "sr_lang");
    if (c && render_has_lang(r, c)) { use_lang(r, c); return r->current; }
    const char *al = req->accept_language;
    while (al && *al) {
        while (*al == ' ' || *al == ',') al++;
        char code[3] = { 0 };
        if (al[0] && al[1]) {
            code[0] = (char)(al[0] | 0x20);
            code[1] = (char)(al[1] | 0x20);
            if (render_has_lang(r, code)) { use_lang(r, code); return r->current; }
        }
        al = strchr(al, ',');
    }
    use_lang(r, r->langs[0]);
    return r->current;
}

const char *render_str(render_t *r, const char *key)
{
    char k[256];
    snprintf(k, sizeof k, "Langs.%s.%s", r->current, key);
    const char *v = hdf_get_value(r->hdf, k, NULL);
    if (!v) {
        snprintf(k, sizeof k, "Langs.%s.%s", r->langs[0], key);
        v = hdf_get_value(r->hdf, k, key);
    }
    return v;
}

static CSPARSE *template_for(render_t *r, const char *name)
{
    for (int i = 0; i < r->ncache; i++)
        if (!strcmp(r->cache[i].name, name)) return r->cache[i].cs;
    CSPARSE *cs;
    NEOERR *ne = cs_init(&cs, r->hdf);
    if (ne) { render_log_error("cs_init", ne); return NULL; }
    if ((ne = cgi_register_strfuncs(cs)) != STATUS_OK) { render_log_error("strfuncs", ne); cs_destroy(&cs); return NULL; }
    ne = cs_parse_file(cs, name);
    if (ne) { render_log_error(name, ne); cs_destroy(&cs); return NULL; }
    if (r->ncache < MAX_TEMPLATES) {
        r->cache[r->ncache].name = strdup(name);
        r->cache[r->ncache++].cs = cs;
    }
    return cs;
}

static NEOERR *emit(void *ctx, char *s)
{
    web_puts((web_req_t *)ctx, s);
    return STATUS_OK;
}

int render_page(render_t *r, web_req_t *req, const char *name)
{
    CSPARSE *cs = template_for(r, name);
    if (!cs) return 500;
    NEOERR *ne = cs_render(cs, req, emit);
    int cached = 0;
    for (int i = 0; i < r->ncache; i++) if (r->cache[i].cs == cs) cached = 1;
    if (!cached) cs_destroy(&cs);
    if (ne) { render_log_error(name, ne); return 500; }
    return 0;
}

struct strbuf { char *buf; size_t len, cap; int failed; };

static NEOERR *emit_string(void *ctx, char *s)
{
    struct strbuf *b = ctx;
    size_t n = strlen(s);
    if (b->failed) return STATUS_OK;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        while (cap < b->len + n + 1) cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) { b->failed = 1; return STATUS_OK; }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n + 1);
    b->len += n;
    return STATUS_OK;
}

int render_string(render_t *r, const char *name, char **out, size_t *len)
{
    CSPARSE *cs = template_for(r, name);
    if (!cs) return 500;
    struct strbuf b = { 0 };
    NEOERR *ne = cs_render(cs, &b, emit_string);
    if (ne) { render_log_error(name, ne); free(b.buf); return 500; }
    if (b.failed) { free(b.buf); return 500; }
    if (!b.buf) b.buf = calloc(1, 1);
    *out = b.buf;
    *len = b.len;
    return b.buf ? 0 : 500;
}

void render_reset(render_t *r)
{
    /* Drop every node the request added; keep what the worker loaded. */
    HDF *node = hdf_obj_child(r->hdf);
    while (node) {
        HDF *next = hdf_obj_next(node);
        const char *n = hdf_obj_name(node);
        static const char *const keep[] = { "Config", "Langs", "Lang", "Languages", "hdf", NULL };
        int kept = 0;
        for (int i = 0; keep[i] && !kept; i++) kept = strcmp(n, keep[i]) == 0;
        if (!kept) hdf_remove_tree(r->hdf, n);
        node = next;
    }
}

static void vset(render_t *r, const char *value, const char *fmt, va_list ap)
{
    char key[256];
    vsnprintf(key, sizeof key, fmt, ap);
    hdf_set_value(r->hdf, key, value ? value : "");
}

void render_set(render_t *r, const char *value, const char *keyfmt, ...)
{
    va_list ap;
    va_start(ap, keyfmt);
    vset(r, value, keyfmt, ap);
    va_end(ap);
}

void render_set_int(render_t *r, int64_t value, const char *keyfmt, ...)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)value);
    va_list ap;
    va_start(ap, keyfmt);
    vset(r, v, keyfmt, ap);
    va_end(ap);
}
