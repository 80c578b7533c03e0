"""notifyd against real servers on this machine: an HTTP server as the SMS
gateway and the Slack and Teams webhooks, aiosmtpd as the mail server
(plain, STARTTLS, SMTPS with a self-signed certificate).  Each test runs a
notifyd of its own on the stack's database (the stack's own notifyd is held
down meanwhile) and counts what arrived at the receiving end: bodies and
their escaping, headers, MIME parsed by Python's email package, retries and
back-off, permanent failures, an operator's resend, a crash while sending,
two notifyds on one outbox, a clean stop, a bad config, and the scheduler."""
import json
import signal
import time
import urllib.parse
from email.utils import parsedate_to_datetime

import pytest

from boards_rig import wait_for
from daemon_rig import stack_daemon_held
from helpers import count, one, uniq
from notify_rig import HttpSink, Notifyd, SmtpSink, free_port, make_certificate, parse_mail, row, wait_state

TRICKY = 'Say "hi" \\ back & pay 5 = 3+2 at 100%\nЗдравствуйте, Анна! Ячейка № 17 — 1 200,00 €\t✓'


@pytest.fixture(scope="module", autouse=True)
def stack_notifyd_held(stack):
    """The stack's notifyd would deliver our messages to its own sink:
    hold it down for this module."""
    with stack_daemon_held(stack, "notifyd"):
        yield


@pytest.fixture
def procs(stack):
    """Notifyds started by a test; stopped (and the test's leftover
    messages cancelled) at its end."""
    started = []
    yield started
    for n in started:
        if n.proc and n.proc.poll() is None:
            n.proc.kill()
            n.proc.wait(10)
    stack.sql("UPDATE outbox SET state = 'cancelled' WHERE state IN ('pending', 'failed', 'unknown')"
              " AND dedupe_key LIKE 'nt-%'")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_certificate(str(tmp_path_factory.mktemp("tls")))


def sms_settings(url, form=False, body=None):
    s = {"SMS.URL": url + "/sms", "SMS.AuthFile": "{secrets}/sms.token", "SMS.IdField": "message_id"}
    if form:
        s["SMS.BodyType"] = "form"
    if body:
        s["SMS.Body"] = body
    return s


def start(stack, procs, settings, secrets=None, **kw):
    n = Notifyd(stack, settings, secrets or {"sms.token": "Bearer tok-" + uniq()}, **kw)
    procs.append(n)
    return n.start()


def key():
    return uniq("nt-")


def sql_put(stack, channel, recipient, text, n=1, max_attempts=8, **extra):
    """n messages written straight to the table (bulk); returns their ids."""
    prefix = key()
    values = ", ".join(f"('{prefix}-{i}', 'test', '{channel}', '{recipient}', '{text}', {max_attempts})" for i in range(n))
    stack.sql(f"INSERT INTO outbox (dedupe_key, kind, channel, recipient, body_text, max_attempts) VALUES {values}")
    return [int(r[0]) for r in stack.sql("SELECT id FROM outbox WHERE dedupe_key LIKE %s ORDER BY id", prefix + "-%")]


# ---------------------------------------------------------------- SMS

def test_sms_json_body_headers_and_provider_id(stack, procs):
    gw = HttpSink()
    token = "Bearer tok-" + uniq()
    n = start(stack, procs, sms_settings(gw.url), {"sms.token": token + "\n"})
    mid = n.put(channel="sms", recipient="+49 (30) 123-45-67", text=TRICKY, key=key())
    r = wait_state(stack, [mid], "sent")[mid]
    [req] = gw.for_key(f"t-{mid}")
    assert req["path"] == "/sms"
    assert req["headers"]["authorization"] == token
    assert req["headers"]["content-type"].startswith("application/json")
    body = json.loads(req["body"].decode("utf-8"))
    # The default template: every value escaped as a JSON string, exactly.
    assert body == {"to": "+49301234567", "text": TRICKY, "reference": f"t-{mid}"}
    assert (r["attempts"], r["recipient"], r["has_sent_at"], r["last_error"]) == ("1", "+49301234567", "1", "")
    assert r["provider_ref"].startswith("gw-")
    assert "Здравствуйте" not in n.log() and "tok-" not in n.log()


def test_sms_form_body_is_percent_encoded(stack, procs):
    gw = HttpSink()
    n = start(stack, procs, sms_settings(gw.url, form=True, body="api=1&to={to}&msg={text}&ref={id}"))
    mid = n.put(channel="sms", recipient="+7 495 123-45-67", text=TRICKY, key=key())
    wait_state(stack, [mid], "sent")
    [req] = gw.for_key(f"t-{mid}")
    assert req["headers"]["content-type"] == "application/x-www-form-urlencoded"
    raw = req["body"].decode("ascii")          # percent-encoding leaves nothing else
    form = urllib.parse.parse_qs(raw, keep_blank_values=True, strict_parsing=True)
    assert form == {"api": ["1"], "to": ["+74951234567"], "msg": [TRICKY], "ref": [f"t-{mid}"]}


# ---------------------------------------------------------------- e-mail

MAIL_TEXT = ("Здравствуйте, Анна!\n\nВаша ячейка B-17 оплачена до 31.07.\n.\n"
             "A line with = signs, trailing spaces   \nand a very long line " + "x" * 120 + " end")
MAIL_HTML = "<p>Здравствуйте, <b>Анна</b>!</p>\n<p>Ячейка B-17 &mdash; оплачено = 1&nbsp;200&nbsp;€</p>"
MAIL_SUBJECT = "Квитанция об оплате: ячейка B-17, июль — спасибо, что вы с нами!"


def mail_settings(port, security, cert=None, user=None):
    s = {"Mail.Host": "127.0.0.1", "Mail.Port": port, "Mail.Security": security,
         "Mail.From": "noreply@example.com", "Mail.FromName": "Стронгрум «Центр»"}
    if cert:
        s["Mail.CAFile"] = cert[0]
    if user:
        s["Mail.User"] = user
        s["Mail.PasswordFile"] = "{secrets}/smtp.pw"
    return s


def test_email_over_starttls_is_proper_mime(stack, procs, cert):
    smtp = SmtpSink("starttls", cert, login=("mailer", "pa55 word"))
    try:
        n = start(stack, procs, mail_settings(smtp.port, "starttls", cert, user="mailer"), {"smtp.pw": "pa55 word\n"})
        mid = n.put(channel="email", recipient="anna@example.com", subject=MAIL_SUBJECT, text=MAIL_TEXT,
                    html=MAIL_HTML, language="ru", key=key())
        r = wait_state(stack, [mid], "sent")[mid]
        [m] = [x for x in smtp.messages if f"<t-{mid}@example.com>".encode() in x["content"]]
        assert m["tls"] and m["from"] == "noreply@example.com" and m["to"] == ["anna@example.com"]
        assert ("PLAIN", True) in smtp.logins or ("LOGIN", True) in smtp.logins
        raw = m["content"]
        assert max(len(line) for line in raw.split(b"\r\n")) <= 78
        assert all(b < 0x80 for b in raw), "8-bit bytes on the wire"
        msg = parse_mail(raw)
        assert msg.get_content_type() == "multipart/alternative"
        assert str(msg["Subject"]) == MAIL_SUBJECT
        assert msg["From"].addresses[0].display_name == "Стронгрум «Центр»"
        assert msg["From"].addresses[0].addr_spec == "noreply@example.com"
        assert msg["To"].addresses[0].addr_spec == "anna@example.com"
        assert msg["Message-ID"] == f"<t-{mid}@example.com>" == "<" + r["provider_ref"] + ">"
        assert msg["Content-Language"] == "ru" and msg["Auto-Submitted"] == "auto-generated"
        parsedate_to_datetime(msg["Date"])
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        assert parts[0].get_content() == MAIL_TEXT
        assert parts[1].get_content() == MAIL_HTML
    finally:
        smtp.stop()


def test_email_over_smtps_text_only(stack, procs, cert):
    smtp = SmtpSink("smtps", cert)
    try:
        n = start(stack, procs, mail_settings(smtp.port, "smtps", cert))
        mid = n.put(channel="email", recipient="ben@example.org", subject="Your receipt", text="Paid: 10.00 EUR.",
                    key=key())
        wait_state(stack, [mid], "sent")
        [m] = [x for x in smtp.messages if f"<t-{mid}@example.com>".encode() in x["content"]]
        assert m["tls"]
        msg = parse_mail(m["content"])
        assert msg.get_content_type() == "text/plain" and not msg.is_multipart()
        assert msg.get_content() == "Paid: 10.00 EUR."
        assert str(msg["Subject"]) == "Your receipt"
    finally:
        smtp.stop()


def test_starttls_is_required_not_hoped_for(stack, procs, cert):
    """A server that offers no STARTTLS gets nothing, not even the sender:
    the message is retried and fails after its attempts."""
    smtp = SmtpSink("plain")
    try:
        n = start(stack, procs, mail_settings(smtp.port, "starttls", cert))
        mid = n.put(channel="email", recipient="anna@example.com", subject="Secret", text="Your PIN is 4711",
                    max_attempts=2, key=key())
        r = wait_state(stack, [mid], "failed")[mid]
        assert r["attempts"] == "2" and r["last_error"].startswith("not sent"), r
        assert smtp.mail_commands == 0 and smtp.messages == []
    finally:
        smtp.stop()


# ---------------------------------------------------------------- webhooks

def test_slack_and_teams_webhooks(stack, procs):
    hooks = HttpSink()
    n = start(stack, procs, {"Slack.ops.URLFile": "{secrets}/slack.url", "Teams.facilities.URLFile": "{secrets}/teams.url"},
              {"slack.url": hooks.url + "/services/T0/B0/x\n", "teams.url": hooks.url + "/webhookb2/y\n"})
    s = n.put(channel="slack", recipient="ops", subject="Door <B-17> forced", text="At 02:14 & still open", key=key())
    t = n.put(channel="teams", recipient="facilities", subject="Дверь B-17", text="Открыта в 02:14", key=key())
    unknown = n.put(channel="slack", recipient="nobody", text="x", key=key())
    wait_state(stack, [s, t], "sent")
    [rs] = hooks.for_key(f"t-{s}")
    assert rs["path"] == "/services/T0/B0/x"
    assert json.loads(rs["body"]) == {"text": "*Door &lt;B-17&gt; forced*\nAt 02:14 &amp; still open"}
    [rt] = hooks.for_key(f"t-{t}")
    assert rt["path"] == "/webhookb2/y"
    card = json.loads(rt["body"])
    assert card["@type"] == "MessageCard" and card["title"] == "Дверь B-17" and card["text"] == "Открыта в 02:14"
    # A webhook name the config does not know fails at once.
    r = wait_state(stack, [unknown], "failed")[unknown]
    assert r["attempts"] == "1" and "nobody" in r["last_error"]
    assert hooks.for_key(f"t-{unknown}") == []


# ---------------------------------------------------------------- retries

def test_gateway_down_then_up_delivers_each_once(stack, procs):
    port = free_port()
    start(stack, procs, sms_settings(f"http://127.0.0.1:{port}"))
    ids = sql_put(stack, "sms", "+4930123456", "down then up", n=5)

    def retried():
        rows = [row(stack, i) for i in ids]
        return all(r["state"] == "pending" and int(r["attempts"]) >= 2 for r in rows) and rows
    rows = wait_for("two failed attempts each", retried)
    for r in rows:
        assert r["last_error"].startswith("not sent"), r
        # The back-off written with the attempt: 200 ms * 2^(attempts-1), capped at 1 s.
        assert int(r["wait_us"]) == min(200 * 2 ** (int(r["attempts"]) - 1), 1000) * 1000, r
    gw = HttpSink(port=port)
    try:
        rows = wait_state(stack, ids, "sent", timeout=30)
        for i in ids:
            assert len(gw.for_key(f"t-{i}")) == 1
            assert int(rows[i]["attempts"]) >= 3
    finally:
        gw.stop()


def test_gateway_5xx_is_retried_until_taken(stack, procs):
    seen = {}

    def flaky(req):
        k = req["headers"]["idempotency-key"]
        seen[k] = seen.get(k, 0) + 1
        return (503, b'{"error":"busy"}') if seen[k] <= 2 else (200, b'{"message_id":"ok-1"}')
    gw = HttpSink(respond=flaky)
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="flaky", key=key())
    r = wait_state(stack, [mid], "sent")[mid]
    assert len(gw.for_key(f"t-{mid}")) == 3
    assert (r["attempts"], r["provider_ref"], r["last_error"]) == ("3", "ok-1", "")


def test_gateway_4xx_fails_at_once(stack, procs):
    gw = HttpSink(respond=lambda req: (400, b'{"error":"invalid number"}'))
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="refused", key=key())
    r = wait_state(stack, [mid], "failed")[mid]
    assert r["attempts"] == "1" and "HTTP 400" in r["last_error"] and "invalid number" in r["last_error"], r
    # The gateway's answer may quote the message: kept in the row, not in the log.
    assert f"message {mid} (sms) attempt 1: HTTP 400; now failed" in n.log() and "invalid number" not in n.log()
    # Nothing more comes: a later message is sent, this one is not tried again.
    gw.respond = gw.accept
    later = n.put(channel="sms", recipient="+4930123456", text="later", key=key())
    wait_state(stack, [later], "sent")
    assert len(gw.for_key(f"t-{mid}")) == 1 and row(stack, mid)["state"] == "failed"


def test_last_attempt_fails_the_message(stack, procs):
    gw = HttpSink(respond=lambda req: (503, b"overloaded"))
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="never taken", max_attempts=3, key=key())
    r = wait_state(stack, [mid], "failed")[mid]
    assert r["attempts"] == "3" and "HTTP 503" in r["last_error"], r
    assert len(gw.for_key(f"t-{mid}")) == 3


# ---------------------------------------------------------------- the operator

def test_operator_resend_and_cancel(stack, procs):
    gw = HttpSink(respond=lambda req: (400, b"bad"))
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="resend me", key=key())
    wait_state(stack, [mid], "failed")
    gw.respond = gw.accept
    out = n.run("resend", str(mid), "customer asked again")
    assert out.returncode == 0, out.stderr
    r = wait_state(stack, [mid], "sent")[mid]
    assert r["attempts"] == "1"                       # counted from zero again
    assert len(gw.for_key(f"t-{mid}")) == 2           # the refused one and the resent one
    audit = stack.sql("SELECT actor_type, detail FROM audit_log WHERE action = 'outbox.resend' AND object_id = %s", mid)
    assert len(audit) == 1 and audit[0][0] == "system"
    assert json.loads(audit[0][1]) == {"from": "failed", "reason": "customer asked again"}
    # A sent message is not sent again by mistake.
    out = n.run("resend", str(mid))
    assert out.returncode == 1 and "not failed or unknown" in out.stderr
    assert row(stack, mid)["state"] == "sent"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.resend' AND object_id = %s", mid) == 1
    # A message not sent yet can be cancelled, and then never goes.
    later = n.put(channel="sms", recipient="+4930123456", text="cancel me", not_before="2099-01-01 00:00:00", key=key())
    assert n.run("cancel", str(later), "wrong customer").returncode == 0
    assert row(stack, later)["state"] == "cancelled"
    assert n.run("resend", str(later)).returncode == 1
    assert one(stack, "SELECT detail FROM audit_log WHERE action = 'outbox.cancel' AND object_id = %s", later) \
        == '{"from":"pending","reason":"wrong customer"}'


def test_put_is_idempotent_and_validated(stack, procs):
    n = Notifyd(stack, {})
    k = key()
    first = n.run("put", stdin=json.dumps({"channel": "sms", "recipient": "+4930123456", "text": "a", "key": k}))
    again = n.run("put", stdin=json.dumps({"channel": "sms", "recipient": "+4930999999", "text": "b", "key": k}))
    assert first.stdout.split()[1] == "new" and again.stdout.split() == [first.stdout.split()[0], "duplicate"]
    assert count(stack, "SELECT COUNT(*) FROM outbox WHERE dedupe_key = %s", k) == 1
    bad = n.run("put", stdin=json.dumps({"channel": "sms", "recipient": "call me", "text": "x", "key": key()}))
    assert bad.returncode == 1 and "recipient" in bad.stderr
    bad = n.run("put", stdin=json.dumps({"channel": "email", "recipient": "a@example.com", "text": "x",
                                         "subject": "Hi\r\nBcc: all@example.com", "key": key()}))
    assert bad.returncode == 1 and "subject" in bad.stderr


# ---------------------------------------------------------------- crashes, two notifyds, stopping

def test_killed_while_sending_is_unknown_and_never_resent(stack, procs):
    gw = HttpSink()
    release = gw.hold()
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="in flight", key=key())
    wait_for("the gateway to get it", gw.held.is_set)
    assert row(stack, mid)["state"] == "sending"
    n.proc.send_signal(signal.SIGKILL)
    n.proc.wait(10)
    release.set()
    again = Notifyd(stack, sms_settings(gw.url), {"sms.token": "Bearer x"}, worker=n.worker)
    procs.append(again)
    again.start()
    r = row(stack, mid)
    assert r["state"] == "unknown" and r["attempts"] == "1" and "may or may not" in r["last_error"], r
    # A message put afterwards goes out; the unknown one did not go again.
    later = again.put(channel="sms", recipient="+4930123456", text="after the crash", key=key())
    wait_state(stack, [later], "sent")
    assert len(gw.for_key(f"t-{mid}")) == 1
    assert row(stack, mid)["state"] == "unknown"
    assert "were being sent when notifyd stopped" in again.log()


def test_two_notifyds_send_each_message_once(stack, procs):
    gw = HttpSink()
    settings = dict(sms_settings(gw.url), Concurrency="4", Batch="5")
    a = start(stack, procs, settings)
    b = start(stack, procs, settings)
    ids = sql_put(stack, "sms", "+4930123456", "one of many", n=300)
    rows = wait_state(stack, ids, "sent", timeout=60)
    for i in ids:
        assert len(gw.for_key(f"t-{i}")) == 1, i
    workers = {r["claimed_by"] for r in rows.values()}
    assert workers == {a.worker, b.worker}


def test_sigterm_finishes_the_message_in_hand(stack, procs):
    gw = HttpSink()
    release = gw.hold()
    n = start(stack, procs, sms_settings(gw.url))
    mid = n.put(channel="sms", recipient="+4930123456", text="in hand", key=key())
    wait_for("the gateway to get it", gw.held.is_set)
    n.proc.send_signal(signal.SIGTERM)
    wait_for("notifyd to see the stop", lambda: "stopping" in n.log())
    assert n.proc.poll() is None            # still waiting for the answer
    release.set()
    assert n.stop() == 0
    assert row(stack, mid)["state"] == "sent"
    assert "stopped" in n.log()


# ---------------------------------------------------------------- config

@pytest.mark.parametrize("settings, secrets, expect", [
    ({"SMS.Body": '{"to":"{to}"}'}, {}, "Notify.SMS.URL is missing"),
    ({"SMS.URL": "http://127.0.0.1:9/sms", "SMS.AuthFile": "{secrets}/nothing-here"}, {}, "Notify.SMS.AuthFile"),
    ({"SMS.URL": "ftp://127.0.0.1/sms"}, {}, "Notify.SMS.URL must be an http"),
    ({"SMS.URL": "http://127.0.0.1:9/sms", "SMS.Body": '{"to":"{phone}"}'}, {}, "unknown placeholder {phone}"),
    ({"SMS.URL": "http://127.0.0.1:9/sms", "SMS.Body": '{"text":{text}}'}, {}, "not JSON once filled in"),
    ({"Slack.ops.URLFile": "{secrets}/missing.url"}, {}, "Notify.Slack.ops.URLFile"),
    ({"Mail.Host": "127.0.0.1", "Mail.From": "x@example.com", "Mail.Security": "tls"}, {}, "Notify.Mail.Security"),
    ({"Mail.Host": "127.0.0.1", "Mail.From": "x@example.com", "Mail.Security": "none", "Mail.User": "u",
      "Mail.PasswordFile": "{secrets}/pw"}, {"pw": "p"}, "password in clear"),
    ({"Mail.Host": "127.0.0.1"}, {}, "Notify.Mail.From"),
    ({"PollMs": "soon"}, {}, "Notify.PollMs is not a whole number"),
])
def test_bad_config_stops_the_start(stack, settings, secrets, expect):
    n = Notifyd(stack, settings, secrets)
    n.start(wait=False)
    assert n.proc.wait(20) == 1
    log = n.log()
    assert "not starting" in log and expect in log, log


# ---------------------------------------------------------------- the scheduler

def test_scheduler_runs_due_jobs_once_and_retries_failures(stack, procs):
    n = Notifyd(stack, {"Jobs.MaxAttempts": "3"})
    marker, other = uniq("mark-"), uniq("other-")
    k = key()

    def schedule(suffix, kind, run_at, payload=None):
        job = {"key": f"{k}-{suffix}", "kind": kind, "run_at": run_at, "payload": payload or {}}
        out = n.run("schedule", stdin=json.dumps(job))
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1))
    assert schedule("due", "log", now, {"marker": marker}) == "scheduled"
    assert schedule("due", "log", now, {"marker": other}) == "scheduled before"
    schedule("future", "log", "2099-01-01 00:00:00", {"marker": marker + "-future"})
    schedule("cancelled", "log", now, {"marker": marker + "-cancelled"})
    assert n.run("unschedule", f"{k}-cancelled").stdout.strip() == "cancelled"
    assert n.run("unschedule", f"{k}-cancelled").returncode == 1
    schedule("failing", "no_such_kind", now)
    procs.append(n)
    n.start()

    def job(suffix):
        return stack.sql("SELECT state, attempts, last_error FROM scheduled_jobs WHERE job_key = %s", f"{k}-{suffix}")[0]
    wait_for("the due job", lambda: job("due")[0] == "done")
    wait_for("the failing job to fail", lambda: job("failing")[0] == "failed")
    failing = job("failing")
    assert failing[1] == "3" and "no handler for kind no_such_kind" in failing[2], failing
    assert job("due")[:2] == ["done", "1"]
    assert job("future")[:2] == ["pending", "0"]
    assert job("cancelled")[:2] == ["cancelled", "0"]
    log = n.log()
    assert log.count(marker) == 1 and other not in log
    # Stopped cleanly, it ran nothing twice.
    assert n.stop() == 0
    assert job("due")[:2] == ["done", "1"]
