/* Notify.* of the config.  A channel whose section is absent is off (its
 * messages fail with "not configured"); a channel whose section is there
 * must be complete, with its secrets readable, or notifyd does not start:
 * a typo should stop the daemon at once, not fail messages for hours. */
#include "notifyd.h"
#include "gateway.h"
#include "log.h"
#include "validate.h"
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SECRET_MAX 4096

static const char default_json_body[] = "{\"to\":\"{to}\",\"text\":\"{text}\",\"reference\":\"{id}\"}";
static const char default_form_body[] = "to={to}&text={text}&reference={id}";

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void count(void *ctx, const char *name)
{
    (void)name;
    (*(int *)ctx)++;
}

static int has_children(const config_t *cfg, const char *key)
{
    int n = 0;
    config_each_child(cfg, key, count, &n);
    return n > 0;
}

/* A number within [min, max]; anything else stops the start. */
static int number(const config_t *cfg, const char *key, long def, long min, long max, long *out, char *err, size_t errlen)
{
    const char *v = config_get(cfg, key, NULL);
    long n = def;
    if (v && *v) {
        char *end;
        errno = 0;
        n = strtol(v, &end, 10);
        if (*end || errno) return fail(err, errlen, "%s is not a whole number", key);
    }
    if (n < min || n > max) {
        snprintf(err, errlen, "%s must be between %ld and %ld", key, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* The first line of the file a key names; a missing key is an error only
 * when required. */
static int secret(const config_t *cfg, arena_t *a, const char *key, int required, const char **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    const char *path = config_get(cfg, key, NULL);
    if (!path || !*path) return required ? fail(err, errlen, "%s is missing", key) : 0;
    char buf[SECRET_MAX];
    if (config_read_secret(cfg, key, buf, sizeof buf) != 0 || !*buf) {
        snprintf(err, errlen, "cannot read the file named by %s (%s): missing, unreadable or empty", key, path);
        return -1;
    }
    int too_long = strlen(buf) >= sizeof buf - 1;
    *out = too_long ? NULL : arena_strdup(a, buf);
    explicit_bzero(buf, sizeof buf);
    if (too_long) return fail(err, errlen, "the file named by %s has a line too long", key);
    return *out ? 0 : fail(err, errlen, "out of memory (%s)", key);
}

static int http_url(const char *key, const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return fail(err, errlen, "%s must be an http:// or https:// URL", key);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) return fail(err, errlen, "%s has a space or a non-ASCII character", key);
    if (!strncmp(url, "http://", 7) && strncmp(url, "http://127.0.0.1", 16) != 0 &&
        strncmp(url, "http://localhost", 16) != 0 && strncmp(url, "http://[::1]", 12) != 0)
        log_warn("%s is plain http: messages and credentials travel unencrypted", key);
    return 0;
}

static int load_sms(const config_t *cfg, nd_settings_t *s, char *err, size_t errlen)
{
    if (!(s->sms.on = has_children(cfg, "Notify.SMS"))) return 0;
    s->sms.url = config_get(cfg, "Notify.SMS.URL", NULL);
    if (!s->sms.url || !*s->sms.url)
        return fail(err, errlen, "%s is missing (Notify.SMS is configured, so the SMS channel is on)", "Notify.SMS.URL");
    if (http_url("Notify.SMS.URL", s->sms.url, err, errlen) != 0) return -1;
    const char *type = config_get(cfg, "Notify.SMS.BodyType", "json");
    if (strcmp(type, "json") != 0 && strcmp(type, "form") != 0) return fail(err, errlen, "%s must be json or form", "Notify.SMS.BodyType");
    s->sms.form = !strcmp(type, "form");
    s->sms.body = config_get(cfg, "Notify.SMS.Body", s->sms.form ? default_form_body : default_json_body);
    char why[160];
    if (gateway_template_check(s->sms.body, why, sizeof why) != 0) {
        snprintf(err, errlen, "Notify.SMS.Body: %s", why);
        return -1;
    }
    if (!s->sms.form) {
        /* Rendered with awkward values, the template must still be JSON:
         * a placeholder outside quotes would break on the first message. */
        arena_t *a = arena_new(1024);
        char *probe = a ? gateway_render(a, s->sms.body, GATEWAY_JSON, "+15550100", "a \"b\"\n\\c", "x-1") : NULL;
        json_t *j = probe ? json_loads(probe, 0, NULL) : NULL;
        int ok = j != NULL;
        json_decref(j);
        arena_free(a);
        if (!ok) return fail(err, errlen, "%s is not JSON once filled in (are the placeholders inside quotes?)",
                             "Notify.SMS.Body");
    }
    s->sms.auth_header = config_get(cfg, "Notify.SMS.AuthHeader", "Authorization");
    for (const char *p = s->sms.auth_header; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return fail(err, errlen, "%s must be a header name", "Notify.SMS.AuthHeader");
    if (!*s->sms.auth_header) return fail(err, errlen, "%s must be a header name", "Notify.SMS.AuthHeader");
    if (secret(cfg, s->a, "Notify.SMS.AuthFile", 0, &s->sms.auth_value, err, errlen) != 0) return -1;
    s->sms.id_field = config_get(cfg, "Notify.SMS.IdField", NULL);
    if (s->sms.id_field && !*s->sms.id_field) s->sms.id_field = NULL;
    return 0;
}

static int load_mail(const config_t *cfg, nd_settings_t *s, char *err, size_t errlen)
{
    if (!(s->mail.on = has_children(cfg, "Notify.Mail"))) return 0;
    const char *host = config_get(cfg, "Notify.Mail.Host", NULL);
    if (!host || !*host) return fail(err, errlen, "%s is missing (Notify.Mail is configured, so e-mail is on)", "Notify.Mail.Host");
    for (const char *p = host; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(".-:", *p)))
            return fail(err, errlen, "%s must be a host name or an address", "Notify.Mail.Host");
    const char *sec = config_get(cfg, "Notify.Mail.Security", "starttls");
    if (!strcmp(sec, "starttls")) s->mail.security = ND_SEC_STARTTLS;
    else if (!strcmp(sec, "smtps")) s->mail.security = ND_SEC_SMTPS;
    else if (!strcmp(sec, "none")) s->mail.security = ND_SEC_NONE;
    else return fail(err, errlen, "%s must be starttls, smtps or none", "Notify.Mail.Security");
    long port = 0;
    long def_port = s->mail.security == ND_SEC_SMTPS ? 465 : s->mail.security == ND_SEC_STARTTLS ? 587 : 25;
    if (number(cfg, "Notify.Mail.Port", def_port, 1, 65535, &port, err, errlen) != 0) return -1;
    const char *helo = config_get(cfg, "Notify.Mail.Helo", "");
    for (const char *p = helo; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(".-", *p)))
            return fail(err, errlen, "%s must be a host name", "Notify.Mail.Helo");
    int v6 = strchr(host, ':') != NULL;
    s->mail.url = arena_printf(s->a, "%s://%s%s%s:%ld/%s", s->mail.security == ND_SEC_SMTPS ? "smtps" : "smtp",
                               v6 ? "[" : "", host, v6 ? "]" : "", port, helo);
    s->mail.from = config_get(cfg, "Notify.Mail.From", NULL);
    if (!s->mail.from || !validate_email(s->mail.from))
        return fail(err, errlen, "%s must be the sender's e-mail address", "Notify.Mail.From");
    s->mail.domain = strchr(s->mail.from, '@') + 1;
    s->mail.from_name = config_get(cfg, "Notify.Mail.FromName", NULL);
    if (s->mail.from_name) {
        for (const unsigned char *p = (const unsigned char *)s->mail.from_name; *p; p++)
            if (*p < 0x20 || *p == 0x7f) return fail(err, errlen, "%s has a control character", "Notify.Mail.FromName");
        if (strlen(s->mail.from_name) > 64) return fail(err, errlen, "%s is longer than 64 bytes", "Notify.Mail.FromName");
    }
    s->mail.user = config_get(cfg, "Notify.Mail.User", NULL);
    if (s->mail.user && !*s->mail.user) s->mail.user = NULL;
    if (secret(cfg, s->a, "Notify.Mail.PasswordFile", 0, &s->mail.password, err, errlen) != 0) return -1;
    if (s->mail.user && !s->mail.password)
        return fail(err, errlen, "%s is missing (Notify.Mail.User is set)", "Notify.Mail.PasswordFile");
    /* STARTTLS is required, never opportunistic; without TLS there must
     * be no password to give away. */
    if (s->mail.security == ND_SEC_NONE && s->mail.user)
        return fail(err, errlen, "%s is none, which would send the password in clear", "Notify.Mail.Security");
    s->mail.ca_file = config_get(cfg, "Notify.Mail.CAFile", NULL);
    if (s->mail.ca_file && !*s->mail.ca_file) s->mail.ca_file = NULL;
    if (s->mail.ca_file && access(s->mail.ca_file, R_OK) != 0)
        return fail(err, errlen, "cannot read the file named by %s", "Notify.Mail.CAFile");
    return s->mail.url ? 0 : fail(err, errlen, "out of memory (%s)", "Notify.Mail");
}

struct hook_walk {
    const config_t *cfg;
    nd_settings_t *s;
    const char *channel, *section;
    char *err;
    size_t errlen;
    int failed;
};

static void add_hook(void *ctx, const char *name)
{
    struct hook_walk *w = ctx;
    if (w->failed) return;
    char key[160];
    snprintf(key, sizeof key, "%s.%s.URLFile", w->section, name);
    if (!outbox_recipient_ok(w->channel, name)) {
        snprintf(w->err, w->errlen, "%s.%s: a webhook name is 1-64 of A-Z, a-z, 0-9, '_', '-'", w->section, name);
        w->failed = 1;
        return;
    }
    const char *url;
    if (secret(w->cfg, w->s->a, key, 1, &url, w->err, w->errlen) != 0 || http_url(key, url, w->err, w->errlen) != 0) {
        w->failed = 1;
        return;
    }
    nd_hook_t *h = &w->s->hooks[w->s->nhooks++];
    h->channel = w->channel;
    h->name = arena_strdup(w->s->a, name);
    h->url = url;
}

static int load_hooks(const config_t *cfg, nd_settings_t *s, char *err, size_t errlen)
{
    int n = 0;
    config_each_child(cfg, "Notify.Slack", count, &n);
    config_each_child(cfg, "Notify.Teams", count, &n);
    s->hooks = arena_alloc(s->a, sizeof *s->hooks * (size_t)(n + 1));
    if (!s->hooks) return fail(err, errlen, "out of memory (%s)", "webhooks");
    struct hook_walk w = { cfg, s, "slack", "Notify.Slack", err, errlen, 0 };
    config_each_child(cfg, "Notify.Slack", add_hook, &w);
    w.channel = "teams";
    w.section = "Notify.Teams";
    if (!w.failed) config_each_child(cfg, "Notify.Teams", add_hook, &w);
    return w.failed ? -1 : 0;
}

static void default_worker(char *out, size_t outlen)
{
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0 || !host[0]) snprintf(host, sizeof host, "notifyd");
    host[sizeof host - 1] = '\0';
    size_t n = 0;
    for (const char *p = host; *p && n + 1 < outlen; p++) {
        int ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p);
        out[n++] = *p;
        if (!ok) out[n - 1] = '-';
    }
    out[n] = '\0';
}

static int word(const char *key, const char *v, size_t max, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0 || n > max) { snprintf(err, errlen, "%s must be 1-%zu characters", key, max); return -1; }
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
            return fail(err, errlen, "%s may hold only A-Z, a-z, 0-9, '_', '.', '-'", key);
    snprintf(out, outlen, "%s", v);
    return 0;
}

int nd_settings_load(const config_t *cfg, const char *worker, nd_settings_t *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (!(s->a = arena_new(8192))) return fail(err, errlen, "out of memory (%s)", "settings");
    char host[ND_WORKER_MAX + 1];
    default_worker(host, sizeof host);
    long batch = 0, concurrency = 0, jobs_batch = 0, jobs_attempts = 0;
    if (word(worker ? "-w" : "Notify.Worker", worker ? worker : config_get(cfg, "Notify.Worker", host), ND_WORKER_MAX, s->worker, sizeof s->worker, err, errlen) ||
        word("Notify.IdPrefix", config_get(cfg, "Notify.IdPrefix", "strongroom-"), ND_PREFIX_MAX, s->id_prefix,
             sizeof s->id_prefix, err, errlen) ||
        number(cfg, "Notify.PollMs", 250, 10, 60000, &s->poll_ms, err, errlen) ||
        number(cfg, "Notify.Batch", 100, 1, 1000, &batch, err, errlen) ||
        number(cfg, "Notify.Concurrency", 32, 1, 1000, &concurrency, err, errlen) ||
        number(cfg, "Notify.ConnectTimeoutMs", 5000, 100, 600000, &s->connect_timeout_ms, err, errlen) ||
        number(cfg, "Notify.TimeoutMs", 20000, 100, 600000, &s->timeout_ms, err, errlen) ||
        number(cfg, "Notify.Retry.BaseMs", 30000, 1, 86400000, &s->retry_base_ms, err, errlen) ||
        number(cfg, "Notify.Retry.CapMs", 3600000, 1, 604800000, &s->retry_cap_ms, err, errlen) ||
        number(cfg, "Notify.Jobs.Batch", 20, 1, 1000, &jobs_batch, err, errlen) ||
        number(cfg, "Notify.Jobs.MaxAttempts", 5, 1, 100, &jobs_attempts, err, errlen) ||
        load_sms(cfg, s, err, errlen) || load_mail(cfg, s, err, errlen) || load_hooks(cfg, s, err, errlen)) {
        nd_settings_free(s);
        return -1;
    }
    s->batch = (int)batch;
    s->concurrency = (int)concurrency;
    s->jobs_batch = (int)jobs_batch;
    s->jobs = (retry_policy_t){ .max_attempts = (int)jobs_attempts, .base_ms = s->retry_base_ms, .cap_ms = s->retry_cap_ms };
    return 0;
}

void nd_settings_free(nd_settings_t *s)
{
    arena_free(s->a);
    s->a = NULL;
}

const char *nd_hook_url(const nd_settings_t *s, const char *channel, const char *name)
{
    for (int i = 0; i < s->nhooks; i++)
        if (!strcmp(s->hooks[i].channel, channel) && !strcmp(s->hooks[i].name, name)) return s->hooks[i].url;
    return NULL;
}
