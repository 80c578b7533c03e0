"""Customer accounts in the back office against the real stack: payments,
adjustments, reversals, receipts and statements.  Money moves only through
the pages (and so through lib/ledger); the tests read the ledger tables to
check, and never write them."""
import csv
import html
import io
import os
import re
import threading
import uuid

import pytest
import requests

from helpers import csrf_of, uniq, one, count, new_user, new_customer, form_of, hidden

PAYLOADS = [
    "Robert'); DROP TABLE ledger_journals;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' OR '1'='1",
    "Ünïcødé ячейка 🔒",
]


def lang_text(section, key):
    """The English string section.key from templates/lang/en/payments.hdf
    (section "errors.field", "payments.balance", ...), escaped as shown."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "templates", "lang", "en", "payments.hdf")
    text = open(path, encoding="utf-8").read()
    block = text
    for name in section.split("."):
        m = re.search(r"^(\s*)" + re.escape(name) + r" \{\n(.*?)^\1\}", block, re.M | re.S)
        block = m.group(2)
    m = re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block, re.M)
    return html.escape(m.group(1).strip(), quote=False)


def core_error_text(key):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "templates", "lang", "en.hdf")
    text = open(path, encoding="utf-8").read()
    block = re.search(r"\n  field \{\n(.*?)\n  \}", text, re.S).group(1)
    return html.escape(re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block, re.M).group(1).strip(), quote=False)


# ---------- set-up ----------

def new_site(stack, currency="EUR", tz="UTC"):
    name = uniq("Vault ")
    stack.sql("INSERT INTO sites (name, address, time_zone, currency, languages, mod_vault, mod_storage, mod_mailroom)"
              " VALUES (%s, %s, %s, %s, 'en,ru', 1, 0, 0)", name, "1 Test Street", tz, currency)
    return int(one(stack, "SELECT id FROM sites WHERE name = %s", name))


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


@pytest.fixture
def acct(stack):
    """A fresh customer on a fresh EUR site: (site_id, customer_id)."""
    site = new_site(stack)
    return site, new_customer(stack, site)


# ---------- page helpers ----------

def account_page(stack, s, cid):
    r = s.get(f"{stack.base}/admin/customers/{cid}/account")
    assert r.status_code == 200, r.status_code
    return r.text


def input_value(form, name):
    m = re.search(r'<input name="%s"[^>]*value="([^"]*)"' % re.escape(name), form)
    assert m, name
    return html.unescape(m.group(1))


def pay_form(stack, s, cid):
    """The CSRF token, the one-time key and the default date of the payment form."""
    form = form_of(account_page(stack, s, cid), "payment-form")
    return hidden(form, "_csrf"), hidden(form, "idem"), input_value(form, "received_on")


def pay(stack, s, cid, amount, method="cash", reference="", received_on=None, **extra):
    csrf, key, today = pay_form(stack, s, cid)
    data = {"_csrf": csrf, "idem": key, "amount": amount, "method": method, "reference": reference,
            "received_on": today if received_on is None else received_on}
    data.update(extra)
    return s.post(f"{stack.base}/admin/customers/{cid}/payments", data=data, allow_redirects=False)


def adjust(stack, s, cid, kind, amount, reason="correction"):
    form = form_of(account_page(stack, s, cid), "adjustment-form")
    data = {"_csrf": hidden(form, "_csrf"), "idem": hidden(form, "idem"), "kind": kind, "amount": amount,
            "reason": reason}
    return s.post(f"{stack.base}/admin/customers/{cid}/adjustments", data=data, allow_redirects=False)


def posted_journal(r):
    assert r.status_code == 303, (r.status_code, r.text[:800])
    m = re.fullmatch(r"/admin/journals/(\d+)\?done=\w+", r.headers["Location"])
    assert m, r.headers["Location"]
    return int(m.group(1))


def charge(stack, s, cid, amount):
    """A charge to the customer, through the ledger: an admin's debit."""
    return posted_journal(adjust(stack, s, cid, "debit", amount, "rent"))


def balance_text(page):
    m = re.search(r'<p class="balance[^"]*" id="balance">(.*?)</p>', page, re.S)
    assert m, "no balance on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def balance(stack, cid):
    rows = stack.sql("SELECT balance FROM ledger_accounts WHERE customer_id = %s", cid)
    return int(rows[0][0]) if rows else 0


def journals(stack, cid):
    return count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s", cid)


def reverse_form(stack, s, jid):
    page = s.get(f"{stack.base}/admin/journals/{jid}").text
    form = form_of(page, "reverse-form")
    return hidden(form, "_csrf"), hidden(form, "idem")


def reverse(stack, s, jid, reason="entered twice"):
    csrf, key = reverse_form(stack, s, jid)
    return s.post(f"{stack.base}/admin/journals/{jid}/reverse", data={"_csrf": csrf, "idem": key, "reason": reason},
                  allow_redirects=False)


# ---------- payments and balances ----------

def test_payment_posts_and_balance_changes(stack, admin, acct):
    site, cid = acct
    assert balance_text(account_page(stack, admin, cid)) == "Settled"
    charge(stack, admin, cid, "30.00")
    assert balance_text(account_page(stack, admin, cid)) == "Amount due 30.00 EUR"

    jid = posted_journal(pay(stack, admin, cid, "12.50", "card", "slip 7781"))
    assert balance(stack, cid) == 1750
    row = stack.sql("SELECT kind, amount, method, reference, doc_series, customer_id, site_id FROM ledger_journals"
                    " WHERE id = %s", jid)[0]
    assert row == ["payment", "1250", "card", "slip 7781", "receipt", str(cid), str(site)]
    assert count(stack, "SELECT COALESCE(SUM(amount), 1) FROM ledger_entries WHERE journal_id = %s", jid) == 0

    receipt = admin.get(f"{stack.base}/admin/journals/{jid}?done=payment_recorded").text
    assert lang_text("done", "payment_recorded") in receipt
    assert re.search(r"<h1>Receipt R-\d{6}</h1>", receipt)
    assert "12.50 EUR" in receipt and "slip 7781" in receipt and "Card" in receipt and "admin" in receipt
    assert balance_text(receipt) == "Amount due 17.50 EUR"

    page = account_page(stack, admin, cid)
    assert balance_text(page) == "Amount due 17.50 EUR"
    assert f'href="/admin/journals/{jid}"' in page


def test_overpayment_leaves_credit_that_a_later_charge_consumes(stack, admin, acct):
    _, cid = acct
    posted_journal(pay(stack, admin, cid, "20"))
    assert balance(stack, cid) == -2000
    assert balance_text(account_page(stack, admin, cid)) == "In credit 20.00 EUR"
    charge(stack, admin, cid, "15.00")
    assert balance_text(account_page(stack, admin, cid)) == "In credit 5.00 EUR"
    charge(stack, admin, cid, "5")
    assert balance(stack, cid) == 0
    assert balance_text(account_page(stack, admin, cid)) == "Settled"
    charge(stack, admin, cid, "2.5")
    assert balance_text(account_page(stack, admin, cid)) == "Amount due 2.50 EUR"


def test_underpayment_leaves_amount_due(stack, admin, acct):
    _, cid = acct
    charge(stack, admin, cid, "50.00")
    posted_journal(pay(stack, admin, cid, "20.00", "bank_transfer", "IBAN transfer"))
    assert balance(stack, cid) == 3000
    assert balance_text(account_page(stack, admin, cid)) == "Amount due 30.00 EUR"


def test_credit_and_write_off_lower_the_balance(stack, admin, acct):
    _, cid = acct
    charge(stack, admin, cid, "40")
    posted_journal(adjust(stack, admin, cid, "credit", "10", "goodwill"))
    posted_journal(adjust(stack, admin, cid, "write_off", "5", "bad debt"))
    assert balance(stack, cid) == 2500
    kinds = [r[0] for r in stack.sql("SELECT kind FROM ledger_journals WHERE customer_id = %s ORDER BY id", cid)]
    assert kinds == ["debit", "credit", "write_off"]
    memos = [r[0] for r in stack.sql("SELECT memo FROM ledger_journals WHERE customer_id = %s ORDER BY id", cid)]
    assert memos == ["rent", "goodwill", "bad debt"]


# ---------- posting exactly once ----------

def test_double_submit_posts_once(stack, admin, acct):
    _, cid = acct
    csrf, key, today = pay_form(stack, admin, cid)
    data = {"_csrf": csrf, "idem": key, "amount": "9.99", "method": "cash", "reference": "", "received_on": today}
    url = f"{stack.base}/admin/customers/{cid}/payments"
    first = admin.post(url, data=data, allow_redirects=False)
    again = admin.post(url, data=data, allow_redirects=False)
    assert posted_journal(first) == posted_journal(again)
    assert first.headers["Location"] == again.headers["Location"]
    assert journals(stack, cid) == 1 and balance(stack, cid) == -999
    # Each showing of the form has its own key: a new payment posts anew.
    posted_journal(pay(stack, admin, cid, "0.01"))
    assert journals(stack, cid) == 2 and balance(stack, cid) == -1000


def test_same_key_from_two_threads_posts_once(stack, admin, acct):
    _, cid = acct
    csrf, key, today = pay_form(stack, admin, cid)
    data = {"_csrf": csrf, "idem": key, "amount": "5.00", "method": "card", "reference": "race", "received_on": today}
    url = f"{stack.base}/admin/customers/{cid}/payments"
    cookies = admin.cookies.get_dict()
    results, start = [], threading.Barrier(6)

    def submit():
        s = requests.Session()
        s.cookies.update(cookies)
        start.wait()
        results.append(s.post(url, data=data, allow_redirects=False))

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {posted_journal(r) for r in results}
    assert len(ids) == 1
    assert journals(stack, cid) == 1 and balance(stack, cid) == -500


def test_two_clerks_posting_at_once_both_post(stack, admin, login, acct):
    site, cid = acct
    clerks = [login(*new_user(stack, admin, "cashier", sites=[site])),
              login(*new_user(stack, admin, "operator", sites=[site]))]
    per_clerk, errors = 5, []
    amounts = {0: ["1.01", "2.02", "3.03", "4.04", "5.05"], 1: ["10.10", "20.20", "30.30", "40.40", "50.50"]}
    start = threading.Barrier(2)

    def work(i):
        # Each clerk first loads their forms, then both post as fast as they can.
        forms = [pay_form(stack, clerks[i], cid) for _ in range(per_clerk)]
        start.wait()
        for (csrf, key, today), amount in zip(forms, amounts[i]):
            r = clerks[i].post(f"{stack.base}/admin/customers/{cid}/payments", allow_redirects=False,
                               data={"_csrf": csrf, "idem": key, "amount": amount, "method": "cash",
                                     "reference": f"clerk {i}", "received_on": today})
            if r.status_code != 303:
                errors.append((i, amount, r.status_code))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert journals(stack, cid) == 2 * per_clerk
    assert balance(stack, cid) == -(1515 + 15150)
    assert balance_text(account_page(stack, admin, cid)) == "In credit 166.65 EUR"


# ---------- bad input ----------

BAD_PAYMENTS = [
    ({"amount": ""}, "amount", ("core", "required")),
    ({"amount": "abc"}, "amount", ("payments", "bad_amount")),
    ({"amount": "0"}, "amount", ("payments", "amount_not_positive")),
    ({"amount": "-5"}, "amount", ("payments", "amount_not_positive")),
    ({"amount": "1.234"}, "amount", ("payments", "bad_amount")),
    ({"amount": "99999999999999999999"}, "amount", ("payments", "bad_amount")),
    ({"amount": "99999999999999"}, "amount", ("payments", "amount_too_large")),
    ({"method": "bitcoin"}, "method", ("payments", "bad_method")),
    ({"method": ""}, "method", ("payments", "bad_method")),
    ({"received_on": "2026-02-30"}, "received_on", ("core", "bad_date")),
    ({"received_on": "yesterday"}, "received_on", ("core", "bad_date")),
    ({"received_on": "2999-01-01"}, "received_on", ("payments", "date_in_future")),
    ({"received_on": ""}, "received_on", ("core", "required")),
    ({"reference": "x" * 1000}, "reference", ("core", "too_long")),
]


def message(which):
    src, key = which
    return core_error_text(key) if src == "core" else lang_text("errors.field", key)


@pytest.mark.parametrize("change,field,which", BAD_PAYMENTS, ids=[f"{c[1]}-{i}" for i, c in enumerate(BAD_PAYMENTS)])
def test_bad_payment_is_refused_with_nothing_posted(stack, admin, acct, change, field, which):
    _, cid = acct
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    base = {"amount": "10.00", "method": "cash", "reference": "ok"}
    base.update(change)
    r = pay(stack, admin, cid, **base)
    assert r.status_code == 422, r.status_code
    assert message(which) in r.text
    form = form_of(r.text, "payment-form")
    assert re.search(r'name="%s"[^>]*class="invalid"' % field, form), field
    assert journals(stack, cid) == 0 and balance(stack, cid) == 0
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits


def test_corrected_form_keeps_its_key_and_posts_once(stack, admin, acct):
    _, cid = acct
    r = pay(stack, admin, cid, "abc")
    assert r.status_code == 422
    form = form_of(r.text, "payment-form")
    data = {"_csrf": hidden(form, "_csrf"), "idem": hidden(form, "idem"), "amount": "7.00", "method": "cash",
            "reference": "", "received_on": input_value(form, "received_on")}
    url = f"{stack.base}/admin/customers/{cid}/payments"
    a = admin.post(url, data=data, allow_redirects=False)
    b = admin.post(url, data=data, allow_redirects=False)
    assert posted_journal(a) == posted_journal(b)
    assert journals(stack, cid) == 1


@pytest.mark.parametrize("change,field,key", [
    ({"kind": "gift"}, "kind", "bad_adjust_kind"),
    ({"amount": "1,5.5"}, "amount", "bad_amount"),
    ({"amount": "0"}, "amount", "amount_not_positive"),
    ({"reason": ""}, "reason", None),
    ({"reason": "r" * 501}, "reason", None),
])
def test_bad_adjustment_is_refused(stack, admin, acct, change, field, key):
    _, cid = acct
    form = form_of(account_page(stack, admin, cid), "adjustment-form")
    data = {"_csrf": hidden(form, "_csrf"), "idem": hidden(form, "idem"), "kind": "credit", "amount": "3",
            "reason": "why"}
    data.update(change)
    r = admin.post(f"{stack.base}/admin/customers/{cid}/adjustments", data=data, allow_redirects=False)
    assert r.status_code == 422
    if key:
        assert lang_text("errors.field", key) in r.text
    assert re.search(r'name="%s"[^>]*class="invalid"' % field, form_of(r.text, "adjustment-form"))
    # The payment form on the same page is not marked.
    assert 'class="invalid"' not in form_of(r.text, "payment-form")
    assert journals(stack, cid) == 0


def test_missing_or_malformed_form_key_posts_nothing(stack, admin, acct):
    _, cid = acct
    csrf, _, today = pay_form(stack, admin, cid)
    for key in [None, "", "short", "x" * 65, "a b c d e f g h i j k l"]:
        data = {"_csrf": csrf, "amount": "1", "method": "cash", "received_on": today}
        if key is not None:
            data["idem"] = key
        r = admin.post(f"{stack.base}/admin/customers/{cid}/payments", data=data, allow_redirects=False)
        assert r.status_code == 400, key
    assert journals(stack, cid) == 0


@pytest.mark.parametrize("payload", PAYLOADS)
def test_reference_payloads_are_stored_verbatim_and_shown_escaped(stack, admin, acct, payload):
    _, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "1.00", reference=payload))
    stored = bytes.fromhex(one(stack, "SELECT HEX(reference) FROM ledger_journals WHERE id = %s", jid)).decode()
    assert stored == payload
    for page in [admin.get(f"{stack.base}/admin/journals/{jid}").text, account_page(stack, admin, cid),
                 admin.get(f"{stack.base}/admin/customers/{cid}/statement").text]:
        assert "<script>alert(1)" not in page
        assert '" onmouseover="' not in page
        assert html.escape(payload, quote=True).replace("&#x27;", "&#39;") in page
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals") > 0    # the table is still there


def test_customer_name_is_shown_escaped(stack, admin):
    site = new_site(stack)
    cid = new_customer(stack, site, "<b>Eve</b> \"O'Hara\"")
    for path in ["account", "statement"]:
        page = admin.get(f"{stack.base}/admin/customers/{cid}/{path}").text
        assert "<b>Eve</b>" not in page and "&lt;b&gt;Eve&lt;/b&gt;" in page


# ---------- roles, sites, CSRF ----------

def test_cashier_records_payments_but_not_adjustments_or_reversals(stack, admin, login, acct):
    site, cid = acct
    s = login(*new_user(stack, admin, "cashier", sites=[site]))
    page = account_page(stack, s, cid)
    assert 'id="payment-form"' in page and 'id="adjustment-form"' not in page
    jid = posted_journal(pay(stack, s, cid, "4.00"))
    csrf = csrf_of(page)
    r = s.post(f"{stack.base}/admin/customers/{cid}/adjustments",
               data={"_csrf": csrf, "idem": "k" * 22, "kind": "credit", "amount": "1", "reason": "x"},
               allow_redirects=False)
    assert r.status_code == 403
    r = s.post(f"{stack.base}/admin/journals/{jid}/reverse", data={"_csrf": csrf, "idem": "k" * 22, "reason": "x"},
               allow_redirects=False)
    assert r.status_code == 403
    assert 'id="reverse-form"' not in s.get(f"{stack.base}/admin/journals/{jid}").text
    assert journals(stack, cid) == 1 and balance(stack, cid) == -400


def test_auditor_views_but_cannot_post(stack, admin, login, acct):
    site, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "3.00"))
    s = login(*new_user(stack, admin, "auditor"))
    page = account_page(stack, s, cid)
    assert 'id="payment-form"' not in page and 'id="adjustment-form"' not in page and "/reverse" not in page
    assert s.get(f"{stack.base}/admin/journals/{jid}").status_code == 200
    assert s.get(f"{stack.base}/admin/customers/{cid}/statement").status_code == 200
    assert s.get(f"{stack.base}/admin/customers/{cid}/statement.csv").status_code == 200
    csrf = csrf_of(page)
    for path, data in [(f"/admin/customers/{cid}/payments", {"amount": "1", "method": "cash"}),
                       (f"/admin/customers/{cid}/adjustments", {"kind": "credit", "amount": "1", "reason": "x"}),
                       (f"/admin/journals/{jid}/reverse", {"reason": "x"})]:
        r = s.post(stack.base + path, data={"_csrf": csrf, "idem": uuid.uuid4().hex, **data}, allow_redirects=False)
        assert r.status_code == 403, path
    assert journals(stack, cid) == 1


def test_mailroom_clerk_sees_no_accounts(stack, admin, login, acct):
    _, cid = acct
    s = login(*new_user(stack, admin, "mailroom_clerk"))
    for path in [f"/admin/customers/{cid}/account", f"/admin/customers/{cid}/statement"]:
        assert s.get(stack.base + path, allow_redirects=False).status_code == 403


def test_another_sites_customer_and_journal_are_not_found(stack, admin, login):
    mine, theirs = new_site(stack), new_site(stack)
    cid_mine, cid_theirs = new_customer(stack, mine), new_customer(stack, theirs)
    jid = posted_journal(pay(stack, admin, cid_theirs, "8.00"))
    s = login(*new_user(stack, admin, "operator", sites=[mine]))
    assert s.get(f"{stack.base}/admin/customers/{cid_mine}/account").status_code == 200
    for path in [f"/admin/customers/{cid_theirs}/account", f"/admin/customers/{cid_theirs}/statement",
                 f"/admin/customers/{cid_theirs}/statement.csv", f"/admin/journals/{jid}",
                 "/admin/customers/999999999/account", "/admin/journals/999999999"]:
        assert s.get(stack.base + path, allow_redirects=False).status_code == 404, path
    csrf = csrf_of(account_page(stack, s, cid_mine))
    r = s.post(f"{stack.base}/admin/customers/{cid_theirs}/payments", allow_redirects=False,
               data={"_csrf": csrf, "idem": uuid.uuid4().hex, "amount": "1", "method": "cash",
                     "received_on": "2026-01-01"})
    assert r.status_code == 404
    site_admin = login(*new_user(stack, admin, "admin", sites=[mine]))
    r = site_admin.post(f"{stack.base}/admin/journals/{jid}/reverse", allow_redirects=False,
                        data={"_csrf": csrf_of(account_page(stack, site_admin, cid_mine)), "idem": uuid.uuid4().hex,
                              "reason": "x"})
    assert r.status_code == 404
    assert journals(stack, cid_theirs) == 1


def test_posts_without_csrf_are_refused(stack, admin, acct):
    _, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "2.00"))
    _, key, today = pay_form(stack, admin, cid)
    for path, data in [(f"/admin/customers/{cid}/payments", {"amount": "1", "method": "cash", "received_on": today}),
                       (f"/admin/customers/{cid}/adjustments", {"kind": "debit", "amount": "1", "reason": "x"}),
                       (f"/admin/journals/{jid}/reverse", {"reason": "x"})]:
        for token in [None, "", "forged" * 7]:
            body = {"idem": key, **data}
            if token is not None:
                body["_csrf"] = token
            assert admin.post(stack.base + path, data=body, allow_redirects=False).status_code == 403, (path, token)
    assert journals(stack, cid) == 1 and balance(stack, cid) == -200


# ---------- reversals ----------

def test_reversal_posts_the_flipped_journal_once(stack, admin, acct):
    _, cid = acct
    charge(stack, admin, cid, "25")
    jid = posted_journal(pay(stack, admin, cid, "10.00", "card", "typo"))
    assert balance(stack, cid) == 1500
    r = reverse(stack, admin, jid, "wrong customer")
    rid = posted_journal(r)
    assert rid != jid
    assert stack.sql("SELECT kind, reverses_id, memo FROM ledger_journals WHERE id = %s", rid)[0] == \
        ["reversal", str(jid), "wrong customer"]
    orig = sorted(stack.sql("SELECT account_id, amount FROM ledger_entries WHERE journal_id = %s", jid))
    flipped = sorted(stack.sql("SELECT account_id, -amount FROM ledger_entries WHERE journal_id = %s", rid))
    assert orig == flipped
    assert balance(stack, cid) == 2500

    page = account_page(stack, admin, cid)
    row = re.search(r'<tr id="journal-%d" class="reversed">(.*?)</tr>' % jid, page, re.S)
    assert row, "the reversed journal is not marked"
    assert "<s>" in row.group(1) and f'href="/admin/journals/{rid}"' in row.group(1)
    assert f'action="/admin/journals/{jid}/reverse"' not in page
    assert f'action="/admin/journals/{rid}/reverse"' not in page      # a reversal is not reversed
    receipt = admin.get(f"{stack.base}/admin/journals/{jid}").text
    assert f'href="/admin/journals/{rid}"' in receipt and 'id="reverse-form"' not in receipt

    # A second reversal, with a fresh key from a page loaded before the first: refused.
    form = form_of(page, "payment-form")
    r = admin.post(f"{stack.base}/admin/journals/{jid}/reverse", allow_redirects=False,
                   data={"_csrf": hidden(form, "_csrf"), "idem": uuid.uuid4().hex, "reason": "again"})
    assert r.status_code == 409
    assert 'class="flash error"' in r.text
    # Nor can the reversal itself be reversed.
    r = admin.post(f"{stack.base}/admin/journals/{rid}/reverse", allow_redirects=False,
                   data={"_csrf": hidden(form, "_csrf"), "idem": uuid.uuid4().hex, "reason": "undo"})
    assert r.status_code == 409
    assert journals(stack, cid) == 3 and balance(stack, cid) == 2500


def test_reversal_double_submit_redirects_to_the_same_reversal(stack, admin, acct):
    _, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "6.00"))
    csrf, key = reverse_form(stack, admin, jid)
    url = f"{stack.base}/admin/journals/{jid}/reverse"
    a = admin.post(url, data={"_csrf": csrf, "idem": key, "reason": "dup"}, allow_redirects=False)
    b = admin.post(url, data={"_csrf": csrf, "idem": key, "reason": "dup"}, allow_redirects=False)
    assert posted_journal(a) == posted_journal(b)
    assert journals(stack, cid) == 2 and balance(stack, cid) == 0


def test_reversal_needs_a_reason(stack, admin, acct):
    _, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "6.00"))
    r = reverse(stack, admin, jid, reason="")
    assert r.status_code == 422
    assert core_error_text("required") in r.text
    assert journals(stack, cid) == 1


# ---------- documents ----------

def test_receipt_numbers_are_gap_free_and_shown(stack, admin, acct):
    site, cid = acct
    other = new_customer(stack, site)
    ids = [posted_journal(pay(stack, admin, cid, "1.00"))]
    assert pay(stack, admin, cid, "oops").status_code == 422          # a refused form takes no number
    ids.append(posted_journal(pay(stack, admin, other, "2.00")))
    ids.append(posted_journal(pay(stack, admin, cid, "3.00")))
    numbers = [int(one(stack, "SELECT doc_number FROM ledger_journals WHERE id = %s", j)) for j in ids]
    assert numbers == [1, 2, 3]
    for j, n in zip(ids, numbers):
        page = admin.get(f"{stack.base}/admin/journals/{j}").text
        assert f"Receipt R-{n:06d}" in page
    page = account_page(stack, admin, cid)
    assert "R-000001" in page and "R-000003" in page and "R-000002" not in page


def test_journal_page_shows_site_and_customer(stack, admin, acct):
    site, cid = acct
    jid = posted_journal(pay(stack, admin, cid, "5.00", "bank_transfer", "INV-55"))
    page = admin.get(f"{stack.base}/admin/journals/{jid}").text
    site_name = one(stack, "SELECT name FROM sites WHERE id = %s", site)
    cust = one(stack, "SELECT full_name FROM customers WHERE id = %s", cid)
    for text in [site_name, "1 Test Street", cust, "Bank transfer", "INV-55", "5.00 EUR", "admin"]:
        assert html.escape(text) in page, text


def test_russian_account_page(stack, admin, acct):
    _, cid = acct
    page = admin.get(f"{stack.base}/admin/customers/{cid}/account?lang=ru").text
    assert "Лицевой счёт" in page and "Расчёты завершены" in page
    admin.get(f"{stack.base}/admin/customers/{cid}/account?lang=en")


# ---------- statements ----------

def statement(stack, s, cid, **q):
    return s.get(f"{stack.base}/admin/customers/{cid}/statement", params=q)


def statement_cell(page, cell_id):
    return re.search(r'id="%s">([^<]*)<' % cell_id, page).group(1)


def test_statement_range_balances_and_csv(stack, admin, acct):
    _, cid = acct
    posted_journal(pay(stack, admin, cid, "10.00", received_on="2026-01-05"))
    feb = [posted_journal(pay(stack, admin, cid, "20.00", reference="feb, \"a\"", received_on="2026-02-10")),
           posted_journal(pay(stack, admin, cid, "5.00", "card", received_on="2026-02-20"))]
    posted_journal(pay(stack, admin, cid, "30.00", received_on="2026-03-15"))

    r = statement(stack, admin, cid, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert r.status_code == 200
    page = r.text
    assert statement_cell(page, "opening") == "-10.00"
    assert statement_cell(page, "closing") == "-35.00"
    assert statement_cell(page, "credits") == "25.00"
    assert statement_cell(page, "debits") == "0.00"
    for j in feb:
        assert f'href="/admin/journals/{j}"' in page
    assert page.count("<tr><td>2026-02-") == 2 and "2026-01-05" not in page and "2026-03-15" not in page

    r = admin.get(f"{stack.base}/admin/customers/{cid}/statement.csv", params={"from": "2026-02-01", "to": "2026-02-28"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["journal"] for row in rows] == [str(j) for j in feb]
    assert [(row["date"], row["credit"], row["debit"], row["balance"]) for row in rows] == \
        [("2026-02-10", "20.00", "", "-30.00"), ("2026-02-20", "5.00", "", "-35.00")]
    assert rows[0]["reference"] == "feb, \"a\"" and rows[1]["method"] == "card"
    assert rows[0]["document"].startswith("R-")

    # The whole history, up to today.
    page = statement(stack, admin, cid).text
    assert statement_cell(page, "opening") == "0.00" and statement_cell(page, "closing") == "-65.00"
    # A range before everything: opening and closing zero, no lines.
    page = statement(stack, admin, cid, **{"from": "2025-01-01", "to": "2025-12-31"}).text
    assert statement_cell(page, "opening") == "0.00" and statement_cell(page, "closing") == "0.00"
    assert "/admin/journals/" not in page.split('id="statement"')[1]


def test_statement_with_charges_and_reversal(stack, admin, acct):
    _, cid = acct
    charge(stack, admin, cid, "40")
    jid = posted_journal(pay(stack, admin, cid, "15"))
    posted_journal(reverse(stack, admin, jid))
    page = statement(stack, admin, cid).text
    assert statement_cell(page, "debits") == "55.00" and statement_cell(page, "credits") == "15.00"
    assert statement_cell(page, "closing") == "40.00"
    assert '<tr class="reversed">' in page
    rows = list(csv.DictReader(io.StringIO(admin.get(f"{stack.base}/admin/customers/{cid}/statement.csv").text)))
    assert [r["balance"] for r in rows] == ["40.00", "25.00", "40.00"]
    assert rows[1]["reversed_by"] == rows[2]["journal"] and rows[2]["reverses"] == rows[1]["journal"]


@pytest.mark.parametrize("q", [{"from": "2026-02-30"}, {"to": "2026-13-01"}, {"from": "yesterday"},
                               {"from": "2026-03-01", "to": "2026-02-01"}, {"to": "<script>"}])
def test_statement_bad_dates_are_refused(stack, admin, acct, q):
    _, cid = acct
    r = statement(stack, admin, cid, **q)
    assert r.status_code == 422
    assert core_error_text("bad_date") in r.text or lang_text("errors.field", "bad_period") in r.text
    assert 'id="statement"' not in r.text and "<script>" not in r.text
    assert admin.get(f"{stack.base}/admin/customers/{cid}/statement.csv", params=q).status_code == 422


def test_statement_prints_cleanly(stack, admin, acct):
    _, cid = acct
    posted_journal(pay(stack, admin, cid, "1"))
    page = statement(stack, admin, cid).text
    assert 'data-print' in page
    css = admin.get(stack.base + "/static/style.css").text
    block = css[css.index("@media print"):]
    assert ".no-print" in block and "form" in block
