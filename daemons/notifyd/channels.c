/* The channels: an SMS gateway, Slack and Teams webhooks (HTTP POST) and
 * e-mail (SMTP), each a libcurl transfer; and what a finished transfer
 * means for its message.
 *
 * The rule that decides a retry (docs/notify.md, "never twice"): a
 * message is tried again only when it surely did not reach the other side
 * — the connection never got as far as the request (DNS, refused,
 * timeout or TLS failure while connecting), or the other side answered
 * and said "not taken, try later" (HTTP 408, 429, 5xx; SMTP 4xx).  A
 * clear refusal (another HTTP 4xx, SMTP 5xx) fails at once.  A transfer
 * that broke after the request went out, before an answer came, may have
 * been delivered: 'unknown', for an operator, like a crash mid-send. */
#include "notifyd.h"
#include "gateway.h"
#include "mime.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static size_t on_answer(char *data, size_t size, size_t nmemb, void *ctx)
{
    nd_xfer_t *x = ctx;
    size_t n = size * nmemb, room = ND_ANSWER_MAX - x->answer_len;
    if (!x->answer) x->answer = arena_alloc(x->a, ND_ANSWER_MAX + 1);
    if (!x->answer) return 0;
    /* The rest of a huge answer is read and dropped, not an error. */
    size_t k = n < room ? n : room;
    memcpy(x->answer + x->answer_len, data, k);
    x->answer_len += k;
    x->answer[x->answer_len] = '\0';
    return n;
}

static size_t on_upload(char *buf, size_t size, size_t nmemb, void *ctx)
{
    nd_xfer_t *x = ctx;
    size_t room = size * nmemb, left = x->upload_len - x->upload_off;
    size_t k = left < room ? left : room;
    memcpy(buf, x->upload + x->upload_off, k);
    x->upload_off += k;
    return k;
}

static int common(const nd_settings_t *s, nd_xfer_t *x, const char *url, const char *protocols)
{
    CURL *e = x->easy;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
    return bad ? -1 : 0;
}

/* The list stays whole (and freed with the transfer) when an append fails. */
static int add_header(nd_xfer_t *x, const char *line)
{
    struct curl_slist *l = line ? curl_slist_append(x->headers, line) : NULL;
    if (!l) return -1;
    x->headers = l;
    return 0;
}

static int http_post(const nd_settings_t *s, nd_xfer_t *x, const char *url, const char *type, const char *body,
                     const char *auth_header, const char *auth_value)
{
    CURL *e = x->easy;
    /* "Expect:" keeps libcurl from waiting for a 100 Continue on larger
     * bodies.  The Idempotency-Key is the same on every retry of the
     * message: a gateway that dedupes by it never delivers a retry twice. */
    if (!body || add_header(x, type) || add_header(x, "Accept: application/json") || add_header(x, "Expect:") ||
        add_header(x, arena_printf(x->a, "Idempotency-Key: %s", x->key)) ||
        (auth_value && add_header(x, arena_printf(x->a, "%s: %s", auth_header, auth_value))))
        return -1;
    int bad = common(s, x, url, "http,https");
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "strongroom-notifyd") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
    return bad ? -1 : 0;
}

static int prepare_sms(const nd_settings_t *s, nd_xfer_t *x)
{
    const char *body = gateway_render(x->a, s->sms.body, s->sms.form ? GATEWAY_FORM : GATEWAY_JSON,
                                      x->row.recipient, x->row.body_text, x->key);
    return http_post(s, x, s->sms.url, s->sms.form ? "Content-Type: application/x-www-form-urlencoded"
                                                   : "Content-Type: application/json; charset=utf-8",
                     body, s->sms.auth_header, s->sms.auth_value);
}

static int prepare_hook(const nd_settings_t *s, nd_xfer_t *x, const char *url)
{
    const char *body = !strcmp(x->row.channel, "slack") ? gateway_slack_body(x->a, x->row.subject, x->row.body_text)
                                                        : gateway_teams_body(x->a, x->row.subject, x->row.body_text);
    return http_post(s, x, url, "Content-Type: application/json; charset=utf-8", body, NULL, NULL);
}

static int prepare_mail(const nd_settings_t *s, nd_xfer_t *x)
{
    char date[32];
    mime_date(time(NULL), date);
    /* The same Message-ID on every try: a receiver that saw it before
     * may drop the copy. */
    mime_mail_t m = {
        .from_addr = s->mail.from, .from_name = s->mail.from_name, .to_addr = x->row.recipient,
        .subject = x->row.subject, .text = x->row.body_text, .html = x->row.body_html,
        .language = x->row.language && *x->row.language ? x->row.language : NULL,
        .message_id = arena_printf(x->a, "%s@%s", x->key, s->mail.domain), .date = date,
        .boundary = arena_printf(x->a, "=_%s", x->key),
    };
    x->upload = mime_build(x->a, &m);
    if (!x->upload) return -1;
    x->upload_len = strlen(x->upload);
    x->mail = 1;
    x->result.provider_ref = m.message_id;
    x->rcpt = curl_slist_append(NULL, x->row.recipient);
    if (!x->rcpt) return -1;
    CURL *e = x->easy;
    int bad = common(s, x, s->mail.url, "smtp,smtps");
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_FROM, s->mail.from) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_RCPT, x->rcpt) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, on_upload) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->upload_len) != CURLE_OK;
    /* CURLUSESSL_ALL: a server that does not offer STARTTLS gets nothing,
     * rather than the message in clear. */
    if (s->mail.security == ND_SEC_STARTTLS) bad |= curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) != CURLE_OK;
    if (s->mail.ca_file) bad |= curl_easy_setopt(e, CURLOPT_CAINFO, s->mail.ca_file) != CURLE_OK;
    if (s->mail.user) {
        bad |= curl_easy_setopt(e, CURLOPT_USERNAME, s->mail.user) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_PASSWORD, s->mail.password) != CURLE_OK;
    }
    return bad ? -1 : 0;
}

int nd_channel_prepare(const nd_settings_t *s, nd_xfer_t *x, char *err, size_t errlen)
{
    const char *ch = x->row.channel;
    int rc;
    if (!strcmp(ch, "sms")) {
        if (!s->sms.on) { snprintf(err, errlen, "the sms channel is not configured (Notify.SMS)"); return -1; }
        rc = prepare_sms(s, x);
    } else if (!strcmp(ch, "email")) {
        if (!s->mail.on) { snprintf(err, errlen, "e-mail is not configured (Notify.Mail)"); return -1; }
        rc = prepare_mail(s, x);
    } else if (!strcmp(ch, "slack") || !strcmp(ch, "teams")) {
        const char *url = nd_hook_url(s, ch, x->row.recipient);
        if (!url) {
            snprintf(err, errlen, "no %s webhook named \"%.64s\" in the config (Notify.%s.<name>.URLFile)", ch,
                     x->row.recipient, !strcmp(ch, "slack") ? "Slack" : "Teams");
            return -1;
        }
        rc = prepare_hook(s, x, url);
    } else {
        snprintf(err, errlen, "unknown channel %.16s", ch);
        return -1;
    }
    if (rc != 0) snprintf(err, errlen, "the %s message could not be built (bad text or out of memory)", ch);
    return rc;
}

/* ---------- outcomes ---------- */

static const char *curl_why(const nd_xfer_t *x, CURLcode cc)
{
    return x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
}

static void mail_outcome(nd_xfer_t *x, CURLcode cc, long code)
{
    outbox_result_t *r = &x->result;
    if (cc == CURLE_OK) { r->outcome = OUTBOX_SENT; return; }
    r->provider_ref = NULL;
    const char *why = curl_why(x, cc);
    if (code >= 500) {
        r->outcome = OUTBOX_FAILED;
        r->error = arena_printf(x->a, "refused by the mail server (SMTP %ld): %s", code, why);
    } else if (code >= 400) {
        r->outcome = OUTBOX_RETRY;
        r->error = arena_printf(x->a, "deferred by the mail server (SMTP %ld): %s", code, why);
    } else if (code == 354) {
        /* The server took DATA: the message was on the wire or complete
         * when the transfer broke, and only its final answer would tell. */
        r->outcome = OUTBOX_UNKNOWN;
        r->error = arena_printf(x->a, "the connection broke while the message was being handed over (%s):"
                                      " it may have been delivered", why);
    } else {
        r->outcome = OUTBOX_RETRY;
        r->error = arena_printf(x->a, "not sent: %s", why);
    }
}

static void http_outcome(const nd_settings_t *s, nd_xfer_t *x, CURLcode cc, long code)
{
    outbox_result_t *r = &x->result;
    if (code >= 200) {
        /* An answer came, even if reading its body failed later. */
        r->outcome = gateway_status_outcome(code);
        if (r->outcome == OUTBOX_SENT) {
            r->provider_ref = !strcmp(x->row.channel, "sms")
                ? gateway_answer_field(x->a, x->answer, x->answer_len, s->sms.id_field) : NULL;
            return;
        }
        r->error = arena_printf(x->a, "HTTP %ld: %.300s", code, x->answer ? x->answer : "");
        /* The answer may quote the message: the row keeps it, the log does not. */
        x->brief = arena_printf(x->a, "HTTP %ld", code);
        return;
    }
    curl_off_t pretransfer = 0;
    long request_size = 0;
    curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &request_size);
    if (pretransfer == 0 && request_size == 0) {
        /* The connection never got as far as the request. */
        r->outcome = OUTBOX_RETRY;
        r->error = arena_printf(x->a, "not sent: %s", curl_why(x, cc));
    } else {
        r->outcome = OUTBOX_UNKNOWN;
        r->error = arena_printf(x->a, "the request went out but no answer came (%s): it may have been delivered",
                                curl_why(x, cc));
    }
}

void nd_channel_outcome(const nd_settings_t *s, nd_xfer_t *x, CURLcode cc)
{
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (x->mail) mail_outcome(x, cc, code);
    else http_outcome(s, x, cc, code);
}
