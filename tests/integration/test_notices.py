"""Customer notices and the back office's side of billing and notifications,
against the real stack: receipts put with payments (back office and API)
exactly once, in the customer's language, escaped in the HTML part only;
channel preferences and opting out, with the essential notices due
tracking puts; preferences in the customer form and the API; sites'
billing settings; the outbox pages (filters, paging, scope, resend,
cancel, CSRF, roles); parked contracts charged or waived from the contract
page.  Money moves through the pages and the API only; the tests write
outbox rows directly where a message's history is the subject.  notifyd
is kept down meanwhile (the runner's hold file), so every message stays
where these tests put it; test_notice_delivery.py follows a receipt to
the sink with notifyd running."""
import datetime
import html
import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest

from helpers import csrf_of, uniq, one, count, post_form, new_user, form_of, hidden, api, make_key, invalid, \
    is_problem
from test_api_vault import Vault, customer_body


# ---------- set-up ----------

@pytest.fixture(scope="module", autouse=True)
def notifyd_held(stack):
    """notifyd stopped, and kept down by the runner until the module ends."""
    hold = os.path.join(stack.var, "run", "notifyd.hold")
    pidfile = os.path.join(stack.var, "run", "notifyd.pid")
    open(hold, "w").close()
    pid = None
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.05)
    except (OSError, ValueError):
        pass                      # gone (or never there): nothing will send
    yield
    os.unlink(hold)
    # The runner starts it again; later tests find it as they expect.
    deadline = time.monotonic() + 30
    while pid and time.monotonic() < deadline:
        try:
            with open(pidfile) as f:
                new = int(f.read())
            if new != pid:
                os.kill(new, 0)
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


@pytest.fixture
def vault(stack):
    v = Vault(stack, deposit=0)
    stack.sql("UPDATE sites SET time_zone = 'UTC' WHERE id = %s", v.site)
    return v


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def days_ago(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def messages(stack, customer, kind=None):
    """The customer's outbox rows: {channel: row dict}, for one kind."""
    rows = stack.sql("SELECT id, kind, channel, recipient, language, essential, state, dedupe_key, HEX(subject),"
                     " HEX(body_text), HEX(IFNULL(body_html, '')) FROM outbox WHERE customer_id = %s"
                     + (" AND kind = %s" if kind else "") + " ORDER BY id", customer, *([kind] if kind else []))
    out = []
    for r in rows:
        out.append({"id": int(r[0]), "kind": r[1], "channel": r[2], "recipient": r[3], "language": r[4],
                    "essential": r[5] == "1", "state": r[6], "key": r[7], "subject": bytes.fromhex(r[8]).decode(),
                    "text": bytes.fromhex(r[9]).decode(), "html": bytes.fromhex(r[10]).decode()})
    return out


def by_channel(rows):
    out = {}
    for r in rows:
        assert r["channel"] not in out, rows
        out[r["channel"]] = r
    return out


def pay_form(stack, s, cid):
    page = s.get(f"{stack.base}/admin/customers/{cid}/account")
    assert page.status_code == 200, page.status_code
    form = form_of(page.text, "payment-form")
    return {"_csrf": hidden(form, "_csrf"), "idem": hidden(form, "idem"), "method": "cash", "reference": "",
            "received_on": today().isoformat()}


def posted_journal(r):
    assert r.status_code == 303, (r.status_code, r.text[:800])
    return int(re.search(r"/admin/journals/(\d+)", r.headers["Location"]).group(1))


def bo_pay(stack, s, cid, amount, **over):
    data = {**pay_form(stack, s, cid), "amount": amount, **over}
    return s.post(f"{stack.base}/admin/customers/{cid}/payments", data=data, allow_redirects=False), data


def ctl(stack, *args):
    p = subprocess.run([os.path.join(stack.build, "bin", "strongroomctl"), "-c",
                        os.path.join(stack.var, "strongroom.hdf"), *args], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


def audit_rows(stack, action, object_type, object_id):
    return stack.sql("SELECT actor_name, detail FROM audit_log WHERE action = %s AND object_type = %s"
                     " AND object_id = %s ORDER BY id", action, object_type, object_id)


# ---------------------------------------------------------------- receipts


def test_a_payment_puts_one_receipt_per_channel_and_a_replayed_form_none_more(stack, admin, vault):
    c = vault.customer()
    r, data = bo_pay(stack, admin, c["id"], "1234.50")
    jid = posted_journal(r)
    doc = one(stack, "SELECT CONCAT('R-', LPAD(doc_number, 6, '0')) FROM ledger_journals WHERE id = %s", jid)
    rows = by_channel(messages(stack, c["id"], "receipt"))
    assert set(rows) == {"sms", "email"}
    for ch, m in rows.items():
        assert m["key"] == f"receipt:{jid}:{ch}"
        assert m["state"] == "pending" and not m["essential"] and m["language"] == "en"
        assert "1 234.50 EUR in cash" in m["text"] and doc in m["text"], m["text"]
        assert "Your account is 1 234.50 EUR in credit." in m["text"]
    assert rows["sms"]["recipient"].replace(" ", "").endswith("301234567")
    assert rows["email"]["recipient"] == "anna@example.org"
    assert rows["sms"]["html"] == "" and rows["email"]["html"].startswith("<!doctype html>")
    assert rows["email"]["subject"].startswith("Payment received: 1 234.50 EUR")
    assert "Dear Anna Schmidt," in rows["email"]["text"] and "Dear" not in rows["sms"]["text"]
    # The same form sent again (a double click, a browser resubmit): the
    # same journal, no second receipt.
    again = admin.post(f"{stack.base}/admin/customers/{c['id']}/payments", data={**data, "amount": "1234.50"},
                       allow_redirects=False)
    assert posted_journal(again) == jid
    assert len(messages(stack, c["id"], "receipt")) == 2
    # A second payment is a second receipt.
    r, _ = bo_pay(stack, admin, c["id"], "10")
    assert posted_journal(r) != jid
    assert len(messages(stack, c["id"], "receipt")) == 4


def test_an_api_payment_puts_its_receipt_once(stack, vault):
    c = vault.customer(email="")
    key = uuid.uuid4().hex
    first = vault.pay(c["id"], 2500, key=key)
    r = vault.s.post(vault.url("/api/v1/payments"), headers={"Idempotency-Key": key},
                     json={"customer_id": c["id"], "amount_minor": 2500, "method": "cash"})
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    rows = messages(stack, c["id"], "receipt")
    assert [m["channel"] for m in rows] == ["sms"]            # no e-mail address, no e-mail
    assert rows[0]["key"] == f"receipt:{first['id']}:sms" and "25.00 EUR" in rows[0]["text"]


def test_a_receipt_in_the_customers_language_escaped_in_html_only(stack, admin, vault):
    c = vault.customer(language="ru")
    # A name no form would take, straight into the table: what matters is
    # what each part of the message does with it.
    name = "<script>alert('x')</script> & Co"
    stack.sql("UPDATE customers SET full_name = %s WHERE id = %s", name, c["id"])
    posted_journal(bo_pay(stack, admin, c["id"], "7")[0])
    rows = by_channel(messages(stack, c["id"], "receipt"))
    for m in rows.values():
        assert m["language"] == "ru"
        assert "Мы получили ваш платёж 7.00 EUR наличными" in m["text"], m["text"]
        assert "&lt;" not in m["text"] and "&amp;" not in m["text"]
    mail = rows["email"]
    assert f"Здравствуйте, {name}!" in mail["text"]                 # the text part: verbatim
    assert "<script>" not in mail["html"]
    assert "Здравствуйте, &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co!" in mail["html"]
    assert mail["subject"].startswith("Платёж получен: 7.00 EUR")
    assert rows["sms"]["html"] == ""


def test_preferences_pick_the_channels(stack, admin, vault):
    only_mail = vault.customer(notify_sms=False)
    nothing = vault.customer(notify_sms=False, notify_email=False)
    no_phone = vault.customer(phone="")
    for c in (only_mail, nothing, no_phone):
        posted_journal(bo_pay(stack, admin, c["id"], "5")[0])
    assert [m["channel"] for m in messages(stack, only_mail["id"])] == ["email"]
    assert messages(stack, nothing["id"]) == []
    assert [m["channel"] for m in messages(stack, no_phone["id"])] == ["email"]


def test_opted_out_no_receipt_but_the_essential_notices(stack, admin, vault):
    """A contract whose first rent is 60 days old (the site suspends at 30):
    a small payment brings due tracking up to date at once, which
    suspends the contract and tells the customer though they opted out;
    paying the rest resumes it and says so.  No receipt either time."""
    c = vault.customer(notify_optout=True, language="ru")
    k = vault.contract(c["id"], starts_on=days_ago(60))
    posted_journal(bo_pay(stack, admin, c["id"], "1")[0])
    assert messages(stack, c["id"], "receipt") == []
    assert one(stack, "SELECT CONCAT(state, ' ', arrears_suspended) FROM contracts WHERE id = %s", k["id"]) \
        == "suspended 1"
    susp = by_channel(messages(stack, c["id"], "suspended"))
    assert set(susp) == {"sms", "email"} and all(m["essential"] for m in susp.values())
    assert "посещения запрещены до оплаты" in susp["sms"]["text"]
    assert one(stack, "SELECT stage FROM customer_dues WHERE customer_id = %s", c["id"]) == "suspended"
    # The customer page says so, apart from a clerk's suspension.
    page = admin.get(f"{stack.base}/admin/customers/{c['id']}").text
    assert 'id="due-stage"' in page and "Suspended for arrears" in page
    kpage = admin.get(f"{stack.base}/admin/contracts/{k['id']}").text
    assert 'id="arrears-note"' in kpage and "visits are refused until the rent due is paid" in kpage
    # Paying what is due resumes the contract at once.
    due = int(one(stack, "SELECT balance FROM ledger_accounts WHERE customer_id = %s", c["id"]))
    posted_journal(bo_pay(stack, admin, c["id"], f"{due / 100:.2f}")[0])
    assert one(stack, "SELECT CONCAT(state, ' ', arrears_suspended) FROM contracts WHERE id = %s", k["id"]) \
        == "active 0"
    assert len(messages(stack, c["id"], "resumed")) == 2
    assert messages(stack, c["id"], "receipt") == []
    assert count(stack, "SELECT COUNT(*) FROM customer_dues WHERE customer_id = %s", c["id"]) == 0
    assert 'id="due-stage"' not in admin.get(f"{stack.base}/admin/customers/{c['id']}").text


# ---------------------------------------------------------------- preferences


def person(**over):
    d = {"full_name": "Anna O'Brien", "date_of_birth": "1980-05-17", "doc_type": "passport",
         "doc_number": "T" + uuid.uuid4().hex[:12].upper(), "doc_expiry": "2035-01-31", "address": "",
         "phone": "+49 30 1234567", "email": "anna@example.com", "nominee_name": "", "nominee_relation": "",
         "nominee_phone": "", "co_holder_name": "", "language": "en", "payment_preference": "monthly", "notes": "",
         "notify_sms": "1", "notify_email": "1"}
    d.update(over)
    return {k: v for k, v in d.items() if v is not None}


def prefs(stack, cid):
    return one(stack, "SELECT CONCAT(notify_sms, notify_email, notify_optout) FROM customers WHERE id = %s", cid)


def test_preferences_in_the_customer_form_saved_validated_and_audited(stack, admin, vault):
    page = admin.get(stack.base + "/admin/customers/new").text
    assert 'name="notify_sms" value="1" checked' in page and 'name="notify_optout" value="1">' in page
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers",
                  {"site_id": str(vault.site), **person(notify_email=None, notify_optout="1")})
    assert r.status_code == 303, r.text[:1000]
    cid = int(re.search(r"/admin/customers/(\d+)", r.headers["Location"]).group(1))
    assert prefs(stack, cid) == "101"
    show = admin.get(f"{stack.base}/admin/customers/{cid}").text
    assert "Opted out: only notices of overdue rent" in show
    # Edit: e-mail on, SMS off, opted back in.
    edit = admin.get(f"{stack.base}/admin/customers/{cid}/edit").text
    form = {k: html.unescape(v) for k, v in re.findall(r'<input name="(\w+)" type="(?:text|date|tel|email)" value="([^"]*)"', edit)}
    data = person(**{**form, "notify_sms": None, "notify_email": "1", "notify_optout": None})
    r = admin.post(f"{stack.base}/admin/customers/{cid}/edit", data={"_csrf": csrf_of(edit), **data},
                   allow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    assert prefs(stack, cid) == "010"
    detail = json.loads(audit_rows(stack, "customer.update", "customer", cid)[-1][1])
    assert sorted(detail["fields"]) == ["notify_email", "notify_optout", "notify_sms"]
    # A value a checkbox never sends is refused naming the field; nothing changes.
    for field in ("notify_sms", "notify_email", "notify_optout"):
        edit = admin.get(f"{stack.base}/admin/customers/{cid}/edit").text
        r = admin.post(f"{stack.base}/admin/customers/{cid}/edit",
                       data={"_csrf": csrf_of(edit), **person(**{**data, field: "yes"})}, allow_redirects=False)
        assert r.status_code == 422, field
        assert f'name="{field}" value="1"' in r.text and 'class="invalid"' in r.text
        assert prefs(stack, cid) == "010"


def test_preferences_through_the_api(stack, vault):
    c = vault.customer(notify_optout=True, notify_sms=False)
    assert (c["notify_sms"], c["notify_email"], c["notify_optout"]) == (False, True, True)
    got = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}")).json()
    assert (got["notify_sms"], got["notify_email"], got["notify_optout"]) == (False, True, True)
    plain = vault.customer()
    assert (plain["notify_sms"], plain["notify_email"], plain["notify_optout"]) == (True, True, False)
    # PATCH changes what is sent and nothing else, audited like an edit.
    r = vault.s.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"notify_optout": False, "notify_sms": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["notify_sms"], body["notify_email"], body["notify_optout"]) == (True, True, False)
    assert body["full_name"] == c["full_name"] and body["phone"] == c["phone"]
    detail = json.loads(audit_rows(stack, "customer.update", "customer", c["id"])[-1][1])
    assert sorted(detail["fields"]) == ["notify_optout", "notify_sms"]
    r = vault.s.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"email": "new@example.org"})
    assert r.status_code == 200 and r.json()["email"] == "new@example.org" and r.json()["notify_sms"] is True
    invalid(vault.s.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"notify_sms": "no"}),
            "notify_sms", "wrong_type")
    invalid(vault.s.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"site_id": 1}), "site_id", "not_allowed")
    invalid(vault.s.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"phone": "", "email": ""}),
            "phone", "contact_required")
    invalid(vault.s.post(vault.url("/api/v1/customers"), json=customer_body(vault.site, notify_email=1)),
            "notify_email", "wrong_type")
    assert prefs(stack, c["id"]) == "110"
    # Another site's customer is one that does not exist; a read-only key may not write.
    other = Vault(stack).customer()
    is_problem(vault.s.patch(vault.url(f"/api/v1/customers/{other['id']}"), json={"notify_sms": False}), 404,
               "not_found")
    ro = api(make_key(stack, can_write=False))
    is_problem(ro.patch(vault.url(f"/api/v1/customers/{c['id']}"), json={"notify_sms": False}), 403, "forbidden")
    assert prefs(stack, c["id"]) == "110"


# ---------------------------------------------------------------- site billing settings


def site_policy(stack, site):
    return one(stack, "SELECT CONCAT_WS(' ', bill_prorate, bill_notice_days, bill_overdue_days, bill_suspend_days,"
                      " bill_max_periods) FROM sites WHERE id = %s", site)


def site_form(stack, s, site):
    page = s.get(f"{stack.base}/admin/sites/{site}/edit")
    assert page.status_code == 200
    t = page.text
    name = html.unescape(re.search(r'name="name" value="([^"]*)"', t).group(1))
    return {"_csrf": csrf_of(t), "name": name, "address": "", "time_zone": "UTC", "currency": "EUR",
            "languages": ["en", "ru"], "modules": ["vault"], "bill_prorate": "daily", "bill_notice_days": "5",
            "bill_overdue_days": "10", "bill_suspend_days": "30", "bill_max_periods": "3"}


@pytest.mark.parametrize("field,value,message", [
    ("bill_prorate", "weekly", "Pick by the day or full periods."),
    ("bill_notice_days", "61", "Give a whole number of days from 0 to 60."),
    ("bill_notice_days", "-1", "Give a whole number of days from 0 to 60."),
    ("bill_notice_days", "", "Give a whole number of days from 0 to 60."),
    ("bill_overdue_days", "0", "Give a whole number of days from 1 to 365."),
    ("bill_overdue_days", "ten", "Give a whole number of days from 1 to 365."),
    ("bill_suspend_days", "366", "Give a whole number of days from 1 to 365."),
    ("bill_suspend_days", "10", "Suspension must come later than overdue: give more days than for overdue."),
    ("bill_max_periods", "0", "Give a whole number from 1 to 24."),
    ("bill_max_periods", "25", "Give a whole number from 1 to 24."),
])
def test_site_billing_settings_refused_naming_the_field(stack, admin, vault, field, value, message):
    before = site_policy(stack, vault.site)
    data = {**site_form(stack, admin, vault.site), field: value}
    r = admin.post(f"{stack.base}/admin/sites/{vault.site}/edit", data=data, allow_redirects=False)
    assert r.status_code == 422, r.text[:500]
    assert html.escape(message, quote=False) in r.text
    assert re.search(r'name="%s"[^>]*class="invalid"' % field, r.text), field
    assert site_policy(stack, vault.site) == before


def test_site_billing_settings_saved_shown_and_audited(stack, admin, vault):
    data = {**site_form(stack, admin, vault.site), "bill_prorate": "none", "bill_notice_days": "0",
            "bill_overdue_days": "7", "bill_suspend_days": "21", "bill_max_periods": "12"}
    r = admin.post(f"{stack.base}/admin/sites/{vault.site}/edit", data=data, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert site_policy(stack, vault.site) == "none 0 7 21 12"
    detail = json.loads(audit_rows(stack, "site.update", "site", vault.site)[-1][1])
    assert detail["billing"] == {"prorate": "none", "notice_days": 0, "overdue_days": 7, "suspend_days": 21,
                                 "max_periods": 12}
    page = admin.get(f"{stack.base}/admin/sites/{vault.site}").text
    section = re.search(r'<section class="card" id="billing">(.*?)</section>', page, re.S).group(1)
    assert "Full periods" in section and ">21<" in section and ">12<" in section
    assert "The most rent periods charged to one contract at once" in section
    # In Russian too, and the edit form comes back with the saved values.
    ru = admin.get(f"{stack.base}/admin/sites/{vault.site}?lang=ru").text
    assert "Полными периодами" in ru and "Биллинг" in ru
    edit = admin.get(f"{stack.base}/admin/sites/{vault.site}/edit?lang=en").text
    assert re.search(r'name="bill_max_periods"[^>]*value="12"', edit)
    assert '<option value="none" selected>' in edit
    # A new site gets the defaults in its form.
    new = admin.get(f"{stack.base}/admin/sites/new").text
    assert re.search(r'name="bill_suspend_days"[^>]*value="30"', new)


def test_only_admins_change_site_billing(stack, login, vault):
    op = login(*new_user(stack, login("admin", stack.creds["admin"]), "operator"))
    before = site_policy(stack, vault.site)
    page = op.get(f"{stack.base}/admin/sites/{vault.site}")
    assert page.status_code == 200 and 'id="billing"' in page.text
    r = op.post(f"{stack.base}/admin/sites/{vault.site}/edit", allow_redirects=False,
                data={"_csrf": csrf_of(page.text), "name": "x", "bill_max_periods": "24"})
    assert r.status_code == 403
    assert site_policy(stack, vault.site) == before


# ---------------------------------------------------------------- the outbox pages


def put_message(stack, site, customer=None, state="pending", channel="sms", kind="receipt", error="", text="Hello"):
    """An outbox row as lib/outbox puts it, in a given state."""
    key = "test:" + uuid.uuid4().hex
    stack.sql("INSERT INTO outbox (site_id, customer_id, dedupe_key, kind, channel, recipient, subject, body_text,"
              " body_html, state, attempts, last_error, sent_at) VALUES (%s, %s, %s, %s, %s, %s, 'Subject', %s,"
              " '<p>x</p>', %s, %s, %s, IF(%s = 'sent', UTC_TIMESTAMP(6), NULL))",
              site, customer, key, kind, channel, "+4930123456" if channel == "sms" else "ops", text, state,
              0 if state == "pending" else 3, error, state)
    return int(one(stack, "SELECT id FROM outbox WHERE dedupe_key = %s", key))


def listed(page):
    return [int(x) for x in re.findall(r'<tr data-message="(\d+)"', page)]


def test_outbox_list_filters_and_pages_newest_first(stack, admin, vault):
    ids = [put_message(stack, vault.site, channel="email" if i % 3 == 0 else "sms",
                       state="failed" if i % 5 == 0 else "pending", error="gateway said no" if i % 5 == 0 else "")
           for i in range(60)]
    q = {"site": vault.site}
    first = admin.get(stack.base + "/admin/outbox", params=q)
    assert first.status_code == 200
    assert listed(first.text) == list(reversed(ids))[:50]
    assert 'rel="next"' in first.text
    second = admin.get(stack.base + "/admin/outbox", params={**q, "page": 2}).text
    assert listed(second) == list(reversed(ids))[50:]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    failed = admin.get(stack.base + "/admin/outbox", params={**q, "state": "failed"}).text
    assert listed(failed) == [i for n, i in reversed(list(enumerate(ids))) if n % 5 == 0]
    assert "gateway said no" in failed and 'class="tag msg-failed"' in failed
    mail = admin.get(stack.base + "/admin/outbox", params={**q, "channel": "email"}).text
    assert listed(mail) == [i for n, i in reversed(list(enumerate(ids))) if n % 3 == 0]
    other = put_message(stack, vault.site, kind="overdue", state="unknown")
    att = admin.get(stack.base + "/admin/outbox", params={**q, "state": "attention"}).text
    assert listed(att)[0] == other and len(listed(att)) == 13
    assert listed(admin.get(stack.base + "/admin/outbox", params={**q, "kind": "overdue"}).text) == [other]
    # Filters the page does not know read as none; a site with no messages lists none.
    assert listed(admin.get(stack.base + "/admin/outbox", params={**q, "state": "bogus'--"}).text)[0] == other
    assert listed(admin.get(stack.base + "/admin/outbox", params={**q, "channel": "fax"}).text)[0] == other
    empty = admin.get(stack.base + "/admin/outbox", params={"site": 99999999})
    assert empty.status_code == 200 and listed(empty.text) == [] and "No messages." in empty.text


def test_outbox_scope_sites_and_staff_alerts(stack, admin, login, vault):
    other = Vault(stack, deposit=0)
    mine = put_message(stack, vault.site)
    theirs = put_message(stack, other.site)
    alert = put_message(stack, None, channel="slack", kind="parked")
    op = login(*new_user(stack, admin, "operator", sites=[vault.site]))
    seen = listed(op.get(stack.base + "/admin/outbox").text)
    assert mine in seen and theirs not in seen and alert not in seen
    for mid in (theirs, alert):
        assert op.get(f"{stack.base}/admin/outbox/{mid}").status_code == 404
    assert op.get(f"{stack.base}/admin/outbox", params={"site": other.site}).status_code == 404
    assert op.get(f"{stack.base}/admin/outbox", params={"site": "alerts"}).status_code == 200
    assert alert not in listed(op.get(f"{stack.base}/admin/outbox", params={"site": "alerts"}).text)
    # An administrator sees the staff alerts, on their own too.
    assert listed(admin.get(stack.base + "/admin/outbox", params={"site": "alerts"}).text)[0] == alert
    assert admin.get(f"{stack.base}/admin/outbox/{alert}").status_code == 200


def test_outbox_message_page_shows_text_escaped(stack, admin, vault):
    c = vault.customer()
    mid = put_message(stack, vault.site, customer=c["id"], text="<img src=x onerror=alert(1)> & more",
                      state="failed", error="<b>refused</b>")
    page = admin.get(f"{stack.base}/admin/outbox/{mid}").text
    text = re.search(r'<pre class="message" id="message-text">(.*?)</pre>', page, re.S).group(1)
    assert text == "&lt;img src=x onerror=alert(1)&gt; &amp; more"
    assert "<img src=x" not in page and "<b>refused</b>" not in page and "&lt;b&gt;refused&lt;/b&gt;" in page
    assert "&lt;p&gt;x&lt;/p&gt;" in page                      # the HTML part as source
    assert 'id="resend-form"' in page and 'id="cancel-form"' in page
    # The customer page lists it.
    cpage = admin.get(f"{stack.base}/admin/customers/{c['id']}").text
    assert f'<tr data-message="{mid}"' in re.search(r'id="customer-messages"(.*?)</section>', cpage, re.S).group(1)


def test_resend_a_failed_message_audited_and_refuse_a_sent_one(stack, admin, vault):
    failed = put_message(stack, vault.site, state="failed", error="timeout")
    unknown = put_message(stack, vault.site, state="unknown")
    sent = put_message(stack, vault.site, state="sent")
    r = post_form(stack, admin, f"/admin/outbox/{failed}", f"/admin/outbox/{failed}/resend", {"reason": "gateway back"})
    assert r.status_code == 303 and r.headers["Location"] == f"/admin/outbox/{failed}?done=message_resent"
    assert stack.sql("SELECT state, attempts, last_error FROM outbox WHERE id = %s", failed) == [["pending", "0", ""]]
    (actor, detail), = audit_rows(stack, "outbox.resend", "outbox", failed)
    assert actor == "admin" and json.loads(detail) == {"from": "failed", "reason": "gateway back"}
    page = admin.get(stack.base + r.headers["Location"]).text
    assert "The message will be sent again." in page and "outbox.resend" in page
    assert 'id="resend-form"' not in page and 'id="cancel-form"' in page
    # An unknown one may go again too (the operator was warned).
    r = post_form(stack, admin, f"/admin/outbox/{unknown}", f"/admin/outbox/{unknown}/resend", {})
    assert r.status_code == 303
    assert one(stack, "SELECT state FROM outbox WHERE id = %s", unknown) == "pending"
    # A sent message is never sent again, whatever is posted.
    page = admin.get(f"{stack.base}/admin/outbox/{sent}").text
    assert 'id="resend-form"' not in page and 'id="cancel-form"' not in page
    r = admin.post(f"{stack.base}/admin/outbox/{sent}/resend", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 409 and "this one has moved on meanwhile" in r.text
    assert stack.sql("SELECT state, attempts FROM outbox WHERE id = %s", sent) == [["sent", "3"]]
    assert audit_rows(stack, "outbox.resend", "outbox", sent) == []


def test_cancel_a_pending_message(stack, admin, vault):
    pending = put_message(stack, vault.site)
    r = post_form(stack, admin, f"/admin/outbox/{pending}", f"/admin/outbox/{pending}/cancel", {"reason": "duplicate"})
    assert r.status_code == 303
    assert one(stack, "SELECT state FROM outbox WHERE id = %s", pending) == "cancelled"
    assert len(audit_rows(stack, "outbox.cancel", "outbox", pending)) == 1
    page = admin.get(f"{stack.base}/admin/outbox/{pending}").text
    r = admin.post(f"{stack.base}/admin/outbox/{pending}/cancel", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 409
    r = admin.post(f"{stack.base}/admin/outbox/{pending}/resend", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 409
    assert one(stack, "SELECT state FROM outbox WHERE id = %s", pending) == "cancelled"


def test_outbox_csrf_and_roles(stack, admin, login, vault):
    mid = put_message(stack, vault.site, state="failed")
    # No token, a wrong token: refused, nothing changes.
    r = admin.post(f"{stack.base}/admin/outbox/{mid}/resend", data={}, allow_redirects=False)
    assert r.status_code == 403
    r = admin.post(f"{stack.base}/admin/outbox/{mid}/resend", data={"_csrf": "x" * 43}, allow_redirects=False)
    assert r.status_code == 403
    assert one(stack, "SELECT state FROM outbox WHERE id = %s", mid) == "failed"
    auditor = login(*new_user(stack, admin, "auditor"))
    page = auditor.get(f"{stack.base}/admin/outbox/{mid}")
    assert page.status_code == 200 and 'id="resend-form"' not in page.text
    assert auditor.get(stack.base + "/admin/outbox").status_code == 200
    r = auditor.post(f"{stack.base}/admin/outbox/{mid}/resend", data={"_csrf": csrf_of(page.text)},
                     allow_redirects=False)
    assert r.status_code == 403
    cashier = login(*new_user(stack, admin, "cashier"))
    assert cashier.get(stack.base + "/admin/outbox").status_code == 403
    assert 'href="/admin/outbox' not in cashier.get(stack.base + "/admin/").text
    operator = login(*new_user(stack, admin, "operator"))
    r = post_form(stack, operator, f"/admin/outbox/{mid}", f"/admin/outbox/{mid}/resend", {})
    assert r.status_code == 303
    assert one(stack, "SELECT state FROM outbox WHERE id = %s", mid) == "pending"


def test_the_menu_counts_messages_needing_a_person(stack, admin, login, vault):
    op = login(*new_user(stack, admin, "operator", sites=[vault.site]))
    assert op.get(stack.base + "/admin/outbox/count").json() == {"pending": 0}
    put_message(stack, vault.site, state="failed")
    put_message(stack, vault.site, state="unknown")
    put_message(stack, vault.site, state="pending")
    put_message(stack, Vault(stack).site, state="failed")       # another site: not theirs
    assert op.get(stack.base + "/admin/outbox/count").json() == {"pending": 2}
    page = op.get(stack.base + "/admin/outbox").text
    assert re.search(r'id="outbox-count"[^>]*>2</span>', page)


# ---------------------------------------------------------------- parked contracts


def parked_contract(stack, vault):
    """A monthly contract that started six months ago, on a site that
    charges at most three periods at once: the billing run parks it."""
    stack.sql("UPDATE sites SET bill_max_periods = 3, bill_suspend_days = 365, bill_overdue_days = 364"
              " WHERE id = %s", vault.site)
    c = vault.customer()
    k = vault.contract(c["id"], starts_on=days_ago(183))
    ctl(stack, "billing", "run", "--site", str(vault.site))
    row = stack.sql("SELECT parked_at IS NOT NULL, parked_periods FROM contracts WHERE id = %s", k["id"])[0]
    assert row[0] == "1" and int(row[1]) > 3, row
    return c, k, int(row[1])


def rent_charges(stack, contract):
    return count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE contract_id = %s AND kind = 'charge'", contract)


def test_waive_the_periods_of_a_parked_contract(stack, admin, login, vault):
    c, k, n = parked_contract(stack, vault)
    url = f"/admin/contracts/{k['id']}"
    page = admin.get(stack.base + url).text
    section = re.search(r'<section class="card" id="parked">(.*?)</section>', page, re.S).group(1)
    assert f"<strong>{n}</strong>" in section and 'id="charge-form"' in section and 'id="waive-form"' in section
    assert "data-confirm=" in section
    assert 'id="next-period"' in page
    # The auditor sees it held, and no way to decide.
    auditor = login(*new_user(stack, admin, "auditor"))
    apage = auditor.get(stack.base + url).text
    assert 'id="parked"' in apage and 'id="waive-form"' not in apage
    r = auditor.post(stack.base + url + "/billing", data={"_csrf": csrf_of(apage), "action": "waive", "reason": "x"},
                     allow_redirects=False)
    assert r.status_code == 403
    # A reason is required; CSRF too.
    before = rent_charges(stack, k["id"])
    r = post_form(stack, admin, url, url + "/billing", {"action": "waive", "reason": "  "})
    assert r.status_code == 422 and 'class="invalid"' in r.text
    r = admin.post(stack.base + url + "/billing", data={"action": "waive", "reason": "closed shop"},
                   allow_redirects=False)
    assert r.status_code == 403
    assert one(stack, "SELECT parked_at IS NOT NULL FROM contracts WHERE id = %s", k["id"]) == "1"
    r = post_form(stack, admin, url, url + "/billing", {"action": "waive", "reason": "the site was closed"})
    assert r.status_code == 303 and r.headers["Location"] == url + "?done=parked_waived"
    assert one(stack, "SELECT CONCAT(parked_at IS NULL, ' ', parked_periods) FROM contracts WHERE id = %s",
               k["id"]) == "1 0"
    assert rent_charges(stack, k["id"]) == before                      # nothing charged
    (actor, detail), = audit_rows(stack, "billing.release", "contract", k["id"])
    assert actor == "admin" and json.loads(detail)["decision"] == "waived"
    page = admin.get(stack.base + url).text
    assert 'id="parked"' not in page and "Held periods waived" in page
    # Decided already: a second post is told so.
    r = post_form(stack, admin, url, url + "/billing", {"action": "charge", "reason": "again"})
    assert r.status_code == 409 and "no longer held" in r.text
    assert rent_charges(stack, k["id"]) == before


def test_charge_the_periods_of_a_parked_contract(stack, admin, vault):
    c, k, n = parked_contract(stack, vault)
    url = f"/admin/contracts/{k['id']}"
    before = rent_charges(stack, k["id"])
    r = post_form(stack, admin, url, url + "/billing", {"action": "charge", "reason": "back from downtime"})
    assert r.status_code == 303 and r.headers["Location"] == url + "?done=parked_charged"
    assert rent_charges(stack, k["id"]) >= before + n
    assert one(stack, "SELECT parked_at IS NULL FROM contracts WHERE id = %s", k["id"]) == "1"
    assert json.loads(audit_rows(stack, "billing.release", "contract", k["id"])[0][1])["decision"] == "charged"
