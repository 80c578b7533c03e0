/* Customer and staff notices.  Everything that does not change between
 * calls is done once in notice_new: the strings of every language and
 * every template parsed, so the billing run's millionth notice costs one
 * customer read, a few renders into buffers kept from the last call, and
 * its outbox rows.
 *
 * Escaping: one HDF, two kinds of parse.  ClearSilver fixes a parse's
 * default escaping when it is made (cs_init reads Config.VarEscapeMode),
 * so the HTML bodies are parsed with it set to html, like every page, and
 * the subjects and text bodies with it set to none: an SMS saying
 * "O&#39;Brien" would be a bug, not a defence. */
#include "notice.h"
#include "outbox.h"
#include "render.h"
#include "money.h"
#include "log.h"
#include <ClearSilver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LANGS 8

static const char *const kinds[] = { "due_soon", "overdue", "suspended", "resumed", "receipt", "parked", "fp_lockout", "generic",
                                     NULL };
#define NKINDS (sizeof kinds / sizeof kinds[0] - 1)

struct buf { char *s; size_t len, cap; int failed; };

struct notice {
    HDF *hdf;                      /* Langs.<code>.*; per call Notice, Customer, Site, Kind, Channel, Language, Text */
    char langs[MAX_LANGS][8];      /* langs[0] is the default */
    int nlangs;
    CSPARSE *subject;              /* text */
    CSPARSE *text[NKINDS];         /* text */
    CSPARSE *html[NKINDS];         /* html-escaped; NULL when the kind has no HTML part */
    struct buf out_subject, out_text, out_html, scratch;
    arena_t *arena;                /* the customer's row, reset on every call */
    char slack[128], teams[128];   /* the operator's webhook names; "" = none */
};

/* ---------- pure ---------- */

int notice_essential(const char *kind)
{
    return kind && (!strcmp(kind, "overdue") || !strcmp(kind, "suspended") || !strcmp(kind, "resumed"));
}

static int given(const char *s) { return s && *s; }

unsigned notice_channels(int essential, int want_sms, int want_email, int optout, const char *phone,
                         const char *email)
{
    if (optout && !essential) return 0;
    unsigned can = (given(phone) ? NOTICE_SMS : 0) | (given(email) ? NOTICE_EMAIL : 0);
    unsigned want = (want_sms ? NOTICE_SMS : 0) | (want_email ? NOTICE_EMAIL : 0);
    if ((want & can) == 0 && essential) return can;
    return want & can;
}

static int kind_index(const char *kind)
{
    for (int i = 0; kind && kinds[i]; i++) if (!strcmp(kinds[i], kind)) return i;
    return -1;
}

/* ---------- set-up ---------- */

static int has_lang(const notice_t *n, const char *code)
{
    for (int i = 0; i < n->nlangs; i++) if (!strcmp(n->langs[i], code)) return 1;
    return 0;
}

static int load_langs(notice_t *n, const char *dir, const char *def, const char *available, char *err, size_t errlen)
{
    char list[256];
    snprintf(list, sizeof list, "%s,%s", def, available);
    for (char *save = NULL, *code = strtok_r(list, ", ", &save); code; code = strtok_r(NULL, ", ", &save)) {
        if (has_lang(n, code) || n->nlangs >= MAX_LANGS || strlen(code) >= 8) continue;
        char node[32], path[700];
        snprintf(node, sizeof node, "Langs.%s", code);
        HDF *sub;
        NEOERR *ne = hdf_get_node(n->hdf, node, &sub);
        if (ne == STATUS_OK) ne = render_read_lang(sub, dir, code, path, sizeof path);
        if (ne) {
            nerr_ignore(&ne);
            snprintf(err, errlen, "cannot load %s", path);
            return -1;
        }
        snprintf(n->langs[n->nlangs++], 8, "%s", code);
    }
    return n->nlangs ? 0 : -1;
}

/* Parses templates/<name> with the given default escaping; NULL when the
 * file is absent and optional, or on failure (err filled). */
static CSPARSE *parse(notice_t *n, const char *dir, const char *name, const char *escape, int optional,
                      int *failed, char *err, size_t errlen)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (optional && stat(path, &st) != 0) return NULL;
    hdf_set_value(n->hdf, "Config.VarEscapeMode", escape);
    CSPARSE *cs = NULL;
    NEOERR *ne = cs_init(&cs, n->hdf);
    if (ne == STATUS_OK) ne = cgi_register_strfuncs(cs);
    if (ne == STATUS_OK) ne = cs_parse_file(cs, name);
    if (ne != STATUS_OK) {
        STRING s;
        string_init(&s);
        nerr_error_string(ne, &s);
        snprintf(err, errlen, "%s: %s", path, s.buf ? s.buf : "cannot parse");
        string_clear(&s);
        nerr_ignore(&ne);
        if (cs) cs_destroy(&cs);
        *failed = 1;
        return NULL;
    }
    return cs;
}

notice_t *notice_new(const config_t *cfg, char *err, size_t errlen)
{
    notice_t *n = calloc(1, sizeof *n);
    if (!n) { snprintf(err, errlen, "out of memory"); return NULL; }
    const char *dir = config_get(cfg, "Paths.Templates", "templates");
    NEOERR *ne = hdf_init(&n->hdf);
    if (ne) { nerr_ignore(&ne); free(n); snprintf(err, errlen, "hdf_init failed"); return NULL; }
    hdf_set_value(n->hdf, "hdf.loadpaths.0", dir);
    n->arena = arena_new(4096);
    int failed = !n->arena;
    if (failed) snprintf(err, errlen, "out of memory");
    if (!failed) failed = load_langs(n, dir, config_get(cfg, "Lang.Default", "en"),
                                     config_get(cfg, "Lang.Available", "en"), err, errlen) != 0;
    if (!failed) n->subject = parse(n, dir, "notify/subject.txt.cs", "none", 0, &failed, err, errlen);
    for (size_t k = 0; !failed && k < NKINDS; k++) {
        char name[96];
        snprintf(name, sizeof name, "notify/%s.txt.cs", kinds[k]);
        n->text[k] = parse(n, dir, name, "none", 0, &failed, err, errlen);
        snprintf(name, sizeof name, "notify/%s.html.cs", kinds[k]);
        if (!failed) n->html[k] = parse(n, dir, name, "html", 1, &failed, err, errlen);
    }
    hdf_set_value(n->hdf, "Config.VarEscapeMode", "html");
    snprintf(n->slack, sizeof n->slack, "%s", config_get(cfg, "Notify.Staff.Slack", ""));
    snprintf(n->teams, sizeof n->teams, "%s", config_get(cfg, "Notify.Staff.Teams", ""));
    if (failed) { notice_free(n); return NULL; }
    return n;
}

void notice_free(notice_t *n)
{
    if (!n) return;
    if (n->subject) cs_destroy(&n->subject);
    for (size_t k = 0; k < NKINDS; k++) {
        if (n->text[k]) cs_destroy(&n->text[k]);
        if (n->html[k]) cs_destroy(&n->html[k]);
    }
    if (n->hdf) hdf_destroy(&n->hdf);
    free(n->out_subject.s);
    free(n->out_text.s);
    free(n->out_html.s);
    free(n->scratch.s);
    arena_free(n->arena);
    free(n);
}

/* ---------- rendering ---------- */

static void buf_add(struct buf *b, const char *s, size_t k)
{
    if (b->failed) return;
    if (b->len + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + k + 1) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) { b->failed = 1; return; }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, k);
    b->len += k;
    b->s[b->len] = '\0';
}

static void buf_clear(struct buf *b)
{
    b->len = 0;
    b->failed = 0;
    buf_add(b, "", 0);
}

static NEOERR *append(void *ctx, char *s)
{
    buf_add(ctx, s, strlen(s));
    return STATUS_OK;
}

/* Renders into b (emptied first) and trims the blank lines and spaces
 * templates leave at either end; one_line folds line breaks into spaces
 * (a subject is a mail header: a line break there would start another). */
static int render_into(CSPARSE *cs, struct buf *b, int one_line, const char *what)
{
    buf_clear(b);
    NEOERR *ne = cs_render(cs, b, append);
    if (ne) { render_log_error(what, ne); return -1; }
    if (b->failed) { log_error("notice: %s: out of memory", what); return -1; }
    char *s = b->s;
    size_t start = 0, end = b->len;
    while (start < end && strchr(" \t\r\n", s[start])) start++;
    while (end > start && strchr(" \t\r\n", s[end - 1])) end--;
    memmove(s, s + start, end - start);
    s[end - start] = '\0';
    b->len = end - start;
    if (one_line)
        for (char *p = s; *p; p++) if (*p == '\r' || *p == '\n' || *p == '\t') *p = ' ';
    return 0;
}

static int safe_name(const char *s)
{
    if (!s || !*s || strlen(s) > 48) return 0;
    for (; *s; s++) if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* Notice.* from vars, amounts formatted in the site's currency. */
static void set_vars(notice_t *n, const char *currency, const notice_var_t *vars, int nvars)
{
    char key[96];
    for (int i = 0; i < nvars; i++) {
        if (!safe_name(vars[i].name)) { log_error("notice: value name '%s' ignored", vars[i].name ? vars[i].name : ""); continue; }
        snprintf(key, sizeof key, "Notice.%s", vars[i].name);
        hdf_set_value(n->hdf, key, vars[i].value ? vars[i].value : "");
        size_t len = strlen(vars[i].name);
        if (len <= 6 || strcmp(vars[i].name + len - 6, "_minor") != 0 || !vars[i].value) continue;
        char *end;
        long long v = strtoll(vars[i].value, &end, 10);
        if (*end || end == vars[i].value) continue;
        char money[64];
        money_display(v < 0 ? -v : v, currency, money, sizeof money);
        snprintf(key, sizeof key, "Notice.%.*s", (int)(len - 6), vars[i].name);
        hdf_set_value(n->hdf, key, money);
        snprintf(key, sizeof key, "Notice.%.*s_sign", (int)(len - 6), vars[i].name);
        hdf_set_value(n->hdf, key, v > 0 ? "positive" : v < 0 ? "negative" : "zero");
    }
}

/* The value a {placeholder} stands for: the language's label for the
 * value when it has one (notify.values.method.cash = "in cash"), else the
 * value; {customer} and {site} are the names. */
static const char *placeholder(notice_t *n, const char *lang, const char *name)
{
    char key[160];
    if (!strcmp(name, "customer")) return hdf_get_value(n->hdf, "Customer.name", "");
    if (!strcmp(name, "site")) return hdf_get_value(n->hdf, "Site.name", "");
    snprintf(key, sizeof key, "Notice.%s", name);
    const char *v = hdf_get_value(n->hdf, key, "");
    if (!*v || !safe_name(v)) return v;
    snprintf(key, sizeof key, "Langs.%s.notify.values.%s.%s", lang, name, v);
    return hdf_get_value(n->hdf, key, v);
}

/* Text.<name> for every string of notify.common and notify.<kind> in the
 * language, each {name} in it replaced by its value.  The sentences are
 * the translators': word order is theirs, not the template's. */
static void fill_texts(notice_t *n, const char *lang, const char *kind)
{
    const char *const groups[] = { "common", kind };
    for (int g = 0; g < 2; g++) {
        char path[96];
        snprintf(path, sizeof path, "Langs.%s.notify.%s", lang, groups[g]);
        for (HDF *c = hdf_obj_child(hdf_get_obj(n->hdf, path)); c; c = hdf_obj_next(c)) {
            const char *text = hdf_obj_value(c);
            if (!text) continue;
            struct buf *b = &n->scratch;
            buf_clear(b);
            for (const char *p = text; *p;) {
                const char *close = *p == '{' ? strchr(p, '}') : NULL;
                char name[49];
                size_t len = close ? (size_t)(close - p - 1) : sizeof name;
                if (len < sizeof name) {
                    memcpy(name, p + 1, len);
                    name[len] = '\0';
                    if (safe_name(name)) {
                        const char *v = placeholder(n, lang, name);
                        buf_add(b, v, strlen(v));
                        p = close + 1;
                        continue;
                    }
                }
                const char *next = strchr(p + 1, '{');
                size_t k = next ? (size_t)(next - p) : strlen(p);
                buf_add(b, p, k);
                p += k;
            }
            if (b->failed) continue;
            char key[96];
            snprintf(key, sizeof key, "Text.%s", hdf_obj_name(c));
            hdf_set_value(n->hdf, key, b->s);
        }
    }
}

static void clear_call(notice_t *n)
{
    static const char *const nodes[] = { "Notice", "Customer", "Site", "Kind", "Channel", "Language", "Text", NULL };
    for (int i = 0; nodes[i]; i++) hdf_remove_tree(n->hdf, nodes[i]);
}

int notice_render(notice_t *n, const char *kind, const char *lang, const char *channel, const char *customer_name,
                  const char *site_name, const char *currency, const notice_var_t *vars, int nvars,
                  notice_text_t *out)
{
    memset(out, 0, sizeof *out);
    int k = kind_index(kind);
    static const char *const channels[] = { "sms", "email", "slack", "teams", NULL };
    int known = 0;
    for (int i = 0; channel && channels[i]; i++) known |= !strcmp(channels[i], channel);
    if (k < 0 || !known) { log_error("notice: unknown kind or channel %s/%s", kind ? kind : "", channel ? channel : ""); return -1; }
    clear_call(n);
    const char *code = lang && has_lang(n, lang) ? lang : n->langs[0];
    char link[32];
    snprintf(link, sizeof link, "Langs.%s", code);
    hdf_set_symlink(n->hdf, "Lang", link);
    hdf_set_value(n->hdf, "Language", code);
    hdf_set_value(n->hdf, "Kind", kind);
    hdf_set_value(n->hdf, "Channel", channel);
    hdf_set_value(n->hdf, "Customer.name", customer_name ? customer_name : "");
    hdf_set_value(n->hdf, "Site.name", site_name ? site_name : "");
    hdf_set_value(n->hdf, "Site.currency", currency ? currency : "");
    set_vars(n, currency, vars, nvars);
    fill_texts(n, code, kind);
    int email = !strcmp(channel, "email");
    int rc = render_into(n->subject, &n->out_subject, 1, "subject");
    if (rc == 0) rc = render_into(n->text[k], &n->out_text, 0, kind);
    if (rc == 0 && email && n->html[k]) rc = render_into(n->html[k], &n->out_html, 0, kind);
    clear_call(n);
    if (rc) return -1;
    out->subject = n->out_subject.s;
    out->text = n->out_text.s;
    out->html = email && n->html[k] ? n->out_html.s : NULL;
    return 0;
}

/* ---------- into the outbox ---------- */

/* Renders for one channel and puts the message; 1 when new, 0 when the
 * key was put before, or a db_status. */
static int put_one(notice_t *n, db_t *db, const outbox_msg_t *base, const char *channel, const char *recipient,
                   const char *key, const char *customer_name, const char *site_name, const char *currency,
                   const notice_var_t *vars, int nvars)
{
    char dedupe[OUTBOX_KEY_MAX + 1];
    if (snprintf(dedupe, sizeof dedupe, "%s:%s", key, channel) >= (int)sizeof dedupe) {
        log_error("notice: key too long: %s", key);
        return DB_ERR;
    }
    notice_text_t t;
    if (notice_render(n, base->kind, base->language, channel, customer_name, site_name, currency, vars, nvars, &t))
        return DB_ERR;
    outbox_msg_t m = *base;
    m.dedupe_key = dedupe;
    m.channel = channel;
    m.recipient = recipient;
    m.subject = t.subject;
    m.body_text = t.text;
    m.body_html = t.html;
    int64_t id = 0;
    int rc = outbox_put(db, &m, &id);
    if (rc == DB_OK) return 1;
    if (rc == 1) return 0;
    return rc < 0 ? rc : DB_ERR;
}

int notice_customer(notice_t *n, db_t *db, int64_t customer_id, const char *kind, const char *key,
                    const notice_var_t *vars, int nvars)
{
    if (!n || kind_index(kind) < 0 || !key || !*key) { log_error("notice: bad call for kind %s", kind ? kind : ""); return DB_ERR; }
    arena_reset(n->arena);
    db_res_t *r;
    int rc = db_query(db, n->arena, &r,
        "SELECT c.site_id, c.full_name, c.language, c.phone, c.email, c.notify_sms, c.notify_email, c.notify_optout,"
        " s.name, s.currency FROM customers c JOIN sites s ON s.id = c.site_id WHERE c.id = ?", "i", customer_id);
    if (rc) return rc;
    if (r->nrows != 1) return DB_ERR_FK;
    int essential = notice_essential(kind);
    const char *phone = db_cell(r, 0, 3), *email = db_cell(r, 0, 4);
    unsigned ch = notice_channels(essential, db_cell_int(r, 0, 5) != 0, db_cell_int(r, 0, 6) != 0,
                                  db_cell_int(r, 0, 7) != 0, phone, email);
    const char *lang = db_cell(r, 0, 2);
    outbox_msg_t base = { .site_id = db_cell_int(r, 0, 0), .customer_id = customer_id, .kind = kind,
                          .essential = essential, .language = lang && has_lang(n, lang) ? lang : n->langs[0] };
    int put = 0;
    if (ch & NOTICE_SMS) {
        rc = put_one(n, db, &base, "sms", phone, key, db_cell(r, 0, 1), db_cell(r, 0, 8), db_cell(r, 0, 9), vars, nvars);
        if (rc < 0) return rc;
        put += rc;
    }
    if (ch & NOTICE_EMAIL) {
        rc = put_one(n, db, &base, "email", email, key, db_cell(r, 0, 1), db_cell(r, 0, 8), db_cell(r, 0, 9), vars, nvars);
        if (rc < 0) return rc;
        put += rc;
    }
    return put;
}

int notice_staff(notice_t *n, db_t *db, int64_t site_id, const char *kind, const char *key,
                 const notice_var_t *vars, int nvars)
{
    if (!n || kind_index(kind) < 0 || !key || !*key) { log_error("notice: bad call for kind %s", kind ? kind : ""); return DB_ERR; }
    if (!n->slack[0] && !n->teams[0]) return 0;     /* the operator named no channel */
    arena_reset(n->arena);
    const char *site_name = "", *currency = "";
    if (site_id) {
        db_res_t *r;
        int rc = db_query(db, n->arena, &r, "SELECT name, currency FROM sites WHERE id = ?", "i", site_id);
        if (rc) return rc;
        if (r->nrows != 1) return DB_ERR_FK;
        site_name = db_cell(r, 0, 0);
        currency = db_cell(r, 0, 1);
    }
    /* Staff alerts are not a customer's to opt out of. */
    outbox_msg_t base = { .site_id = site_id, .kind = kind, .essential = 1, .language = n->langs[0] };
    int put = 0;
    const char *const names[] = { "slack", "teams" };
    const char *const hooks[] = { n->slack, n->teams };
    for (int i = 0; i < 2; i++) {
        if (!hooks[i][0]) continue;
        int rc = put_one(n, db, &base, names[i], hooks[i], key, "", site_name, currency, vars, nvars);
        if (rc < 0) return rc;
        put += rc;
    }
    return put;
}
