"""Vault visits in the back office against the real stack: check-in by
staff override and check-out, who is inside, the history with its
filters, paging and CSV, refusals (suspended, closed, already inside, no
reason), site scoping, roles and CSRF.

Customers, plans, contracts and cells are set up with SQL so these tests
do not lean on the pages that manage them; the only money on an account
goes through the ledger's own adjustment page (tests never write ledger
tables).  Visits for the history tests are inserted with the times they
need; every check-in and check-out under test goes through the pages."""
import csv
import html
import io
import json
import os
import re
import threading

import pytest
import requests

from helpers import csrf_of, uniq, one, count, new_user, new_customer, form_of, hidden

PAYLOADS = [
    "Robert'); DROP TABLE visits;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' OR '1'='1",
    "=HYPERLINK(\"http://x\")",
    "Ünïcødé ячейка 🔒",
]
LANG = os.path.join(os.path.dirname(__file__), "..", "..", "templates", "lang")


def text(stack, query, *params):
    """A text value exactly as stored (it travels as hex)."""
    return bytes.fromhex(one(stack, query, *params)).decode("utf-8")


def lang_text(path, key, file="en/visits.hdf"):
    """The English string at block path + key, escaped as a page shows it."""
    block = open(os.path.join(LANG, file), encoding="utf-8").read()
    for name in path.split(".") if path else []:
        m = re.search(r"^(\s*)" + re.escape(name) + r" \{\n(.*?)^\1\}", block, re.M | re.S)
        block = m.group(2)
    m = re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block, re.M)
    return html.escape(m.group(1).strip(), quote=False)


def err_text(code):
    return lang_text("errors.field", code)


# ---------- set-up ----------

def new_site(stack, tz="UTC"):
    name = uniq("Vault ")
    stack.sql("INSERT INTO sites (name, address, time_zone, currency, languages, mod_vault, mod_storage, mod_mailroom)"
              " VALUES (%s, '1 Test Street', %s, 'EUR', 'en,ru', 1, 0, 0)", name, tz)
    site = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    stack.sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES (%s, 'M', 'monthly', 5000, 0)", site)
    stack.sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, %s, 4)", site, "Bank " + name)
    return site


def new_cell(stack, site):
    bank = int(one(stack, "SELECT id FROM banks WHERE site_id = %s", site))
    number = count(stack, "SELECT COALESCE(MAX(number), 0) + 1 FROM cells WHERE bank_id = %s", bank)
    label = "V%d" % number
    stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm, status)"
              " VALUES (%s, %s, %s, %s, 'M', 400, 200, 500, 'occupied')", bank, site, number, label)
    return int(one(stack, "SELECT id FROM cells WHERE bank_id = %s AND number = %s", bank, number)), label


def new_contract(stack, site, customer, state="active", reason=""):
    cell, label = new_cell(stack, site)
    plan = int(one(stack, "SELECT id FROM plans WHERE site_id = %s AND size_class = 'M'", site))
    stack.sql("INSERT INTO contracts (site_id, customer_id, cell_id, plan_id, period, price, deposit, currency,"
              " starts_on, state, state_reason) VALUES (%s, %s, %s, %s, 'monthly', 5000, 0, 'EUR', '2024-01-01', %s, %s)",
              site, customer, cell, plan, state, reason)
    return int(one(stack, "SELECT MAX(id) FROM contracts WHERE cell_id = %s", cell)), cell, label


class Vault:
    """A site with one customer holding one contract on one cell."""

    def __init__(self, stack, tz="UTC", state="active", name=None, reason=""):
        self.site = new_site(stack, tz)
        self.customer = new_customer(stack, self.site, name)
        self.contract, self.cell, self.label = new_contract(stack, self.site, self.customer, state, reason)


def insert_visit(stack, v, checked_in, checked_out=None, by="staff_override", reason="test", contract=None,
                 customer=None, cell=None):
    """A visit with given UTC times, for the history tests."""
    stack.sql("INSERT INTO visits (site_id, customer_id, contract_id, cell_id, checked_in_at, checked_out_at,"
              " verified_by, override_reason, verification_ref) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
              v.site, customer or v.customer, contract or v.contract, cell or v.cell, checked_in, checked_out, by,
              reason if by == "staff_override" else "", None if by == "staff_override" else uniq("m-"))
    return int(one(stack, "SELECT MAX(id) FROM visits WHERE contract_id = %s", contract or v.contract))


def user_session(stack, admin, role, sites=None):
    """A staff user made through the users page; returns a logged-in session and the user's id."""
    name, pw = new_user(stack, admin, role, sites)
    s = requests.Session()
    r = s.get(stack.base + "/admin/login")
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf_of(r.text), "username": name, "password": pw},
               allow_redirects=False)
    assert r.status_code == 303
    return s, int(one(stack, "SELECT id FROM staff_users WHERE username = %s", name))


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


# The second person every staff override needs: another admin, made once.
APPROVER = {}


@pytest.fixture(autouse=True)
def approver(stack, admin):
    if APPROVER.get("stack") is not stack:
        name, pw = new_user(stack, admin, "admin")
        APPROVER.update(stack=stack, approver=name, approver_password=pw)
    return APPROVER


def approval():
    return {"approver": APPROVER["approver"], "approver_password": APPROVER["approver_password"]}


@pytest.fixture
def admin_id(stack):
    return int(one(stack, "SELECT id FROM staff_users WHERE username = 'admin'"))


# ---------- page helpers ----------

def checkin_page(stack, s, contract):
    r = s.get(f"{stack.base}/admin/visits/new?contract={contract}")
    assert r.status_code == 200, r.status_code
    return r.text


def check_in(stack, s, contract, reason="forgot the card", **extra):
    csrf = csrf_of(s.get(f"{stack.base}/admin/visits").text)
    data = {"_csrf": csrf, "contract_id": str(contract), "verified_by": "staff_override", "override_reason": reason,
            **approval()}
    data.update(extra)
    return s.post(f"{stack.base}/admin/visits", data=data, allow_redirects=False)


def check_out(stack, s, visit):
    csrf = csrf_of(s.get(f"{stack.base}/admin/visits").text)
    return s.post(f"{stack.base}/admin/visits/{visit}/checkout", data={"_csrf": csrf}, allow_redirects=False)


def open_visit(stack, contract):
    rows = stack.sql("SELECT id FROM visits WHERE contract_id = %s AND checked_out_at IS NULL", contract)
    return int(rows[0][0]) if rows else None


def visits_of(stack, contract):
    return count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s", contract)


def section(page, ident):
    m = re.search(r'<section class="card" id="%s">(.*?)</section>' % ident, page, re.S)
    assert m, ident
    return m.group(1)


def history(page):
    """The history table's visit ids, in page order."""
    m = re.search(r'<table class="list compact visits">(.*?)</table>', page, re.S)
    return [int(x) for x in re.findall(r'<tr id="visit-(\d+)">', m.group(1))] if m else []


def row(page, visit):
    m = re.search(r'<tr id="visit-%d">(.*?)</tr>' % visit, page, re.S)
    assert m, visit
    return m.group(1)


def listed(stack, s, query=""):
    r = s.get(f"{stack.base}/admin/visits?{query}")
    assert r.status_code == 200, (query, r.status_code)
    return history(r.text)


def audit(stack, action, visit):
    rows = stack.sql("SELECT HEX(detail), actor_name FROM audit_log WHERE action = %s AND object_type = 'visit'"
                     " AND object_id = %s ORDER BY id", action, visit)
    return [(bytes.fromhex(r[0]).decode("utf-8"), r[1]) for r in rows]


def charge(stack, s, customer, amount):
    """Money the customer owes, posted through the ledger's adjustment page."""
    page = s.get(f"{stack.base}/admin/customers/{customer}/account").text
    form = form_of(page, "adjustment-form")
    r = s.post(f"{stack.base}/admin/customers/{customer}/adjustments",
               data={"_csrf": hidden(form, "_csrf"), "idem": hidden(form, "idem"), "kind": "debit", "amount": amount,
                     "reason": "rent arrears"}, allow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:500])


# ---------- check-in and check-out ----------

def test_check_in_and_out(stack, admin, admin_id):
    v = Vault(stack, name="Ada Lovelace")
    page = checkin_page(stack, admin, v.contract)
    assert '<strong id="customer-name">Ada Lovelace</strong>' in page
    assert v.label in page
    assert lang_text("visits.states", "active") in page
    assert lang_text("visits", "no_photo") in page
    assert re.search(r'id="balance">Settled: <strong>0\.00 EUR</strong>', page)
    form = form_of(page, "checkin-form")
    assert 'name="_csrf"' in form and 'name="override_reason"' in form

    r = check_in(stack, admin, v.contract, "card reader broken")
    assert r.status_code == 303, r.text[:800]
    assert r.headers["Location"] == f"/admin/visits?site={v.site}&done=visit_checked_in"
    vid = open_visit(stack, v.contract)
    assert vid
    got = stack.sql("SELECT site_id, customer_id, cell_id, verified_by, override_reason, verification_ref,"
                    " staff_user_id, checkout_staff_id FROM visits WHERE id = %s", vid)[0]
    assert got == [str(v.site), str(v.customer), str(v.cell), "staff_override", "card reader broken", "NULL",
                   str(admin_id), "NULL"]
    (detail, actor), = audit(stack, "visit.check_in", vid)
    assert actor == "admin" and '"verified_by":"staff_override"' in detail and f'"contract_id":{v.contract}' in detail
    (detail, _), = audit(stack, "visit.override", vid)
    assert '"reason":"card reader broken"' in detail

    page = admin.get(stack.base + r.headers["Location"]).text
    assert lang_text("done", "visit_checked_in") in page
    inside = section(page, "inside-now")
    assert f'id="inside-{vid}"' in inside and "Ada Lovelace" in inside and f'id="checkout-{vid}"' in inside
    assert vid in history(page) and lang_text("visits", "still_inside") in row(page, vid)
    # The screen now says the customer is inside and offers check-out instead.
    page = checkin_page(stack, admin, v.contract)
    assert 'id="checkin-form"' not in page and f'id="checkout-{vid}"' in page

    r = check_out(stack, admin, vid)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/admin/visits?site={v.site}&done=visit_checked_out"
    out = stack.sql("SELECT checked_out_at IS NOT NULL, checkout_staff_id FROM visits WHERE id = %s", vid)[0]
    assert out == ["1", str(admin_id)]
    (detail, _), = audit(stack, "visit.check_out", vid)
    assert re.search(r'"seconds":\d+', detail)
    page = admin.get(stack.base + r.headers["Location"]).text
    assert f'id="inside-{vid}"' not in page
    assert re.search(r'<td class="num">\d+:\d\d:\d\d</td>', row(page, vid))
    assert lang_text("visits", "still_inside") not in row(page, vid)

    # A second check-out changes nothing and says why.
    before = one(stack, "SELECT checked_out_at FROM visits WHERE id = %s", vid)
    r = check_out(stack, admin, vid)
    assert r.status_code == 409
    assert err_text("visit_closed") in r.text
    assert one(stack, "SELECT checked_out_at FROM visits WHERE id = %s", vid) == before
    assert len(audit(stack, "visit.check_out", vid)) == 1

    # And the customer can come again.
    assert check_in(stack, admin, v.contract).status_code == 303
    assert visits_of(stack, v.contract) == 2


def test_double_check_in_refused(stack, admin):
    v = Vault(stack)
    assert check_in(stack, admin, v.contract).status_code == 303
    r = check_in(stack, admin, v.contract, "again")
    assert r.status_code == 422
    assert err_text("visit_open") in r.text
    assert visits_of(stack, v.contract) == 1


def test_parallel_check_ins_make_one_visit(stack, admin):
    v = Vault(stack)
    csrf = csrf_of(admin.get(f"{stack.base}/admin/visits").text)
    cookies = admin.cookies.get_dict()
    codes = []

    def go():
        r = requests.post(f"{stack.base}/admin/visits", cookies=cookies, allow_redirects=False,
                          data={"_csrf": csrf, "contract_id": str(v.contract), "override_reason": "rush",
                                **approval()})
        codes.append(r.status_code)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [303] + [422] * 5, codes
    assert visits_of(stack, v.contract) == 1


def test_override_needs_a_reason(stack, admin):
    v = Vault(stack)
    for reason in ["", "   \r\n\t "]:
        r = check_in(stack, admin, v.contract, reason)
        assert r.status_code == 422
        assert err_text("override_reason") in r.text
        assert 'class="invalid"' in form_of(r.text, "checkin-form")
    r = check_in(stack, admin, v.contract, "x" * 501)
    assert r.status_code == 422
    assert visits_of(stack, v.contract) == 0
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'visit.%%' AND object_type = 'visit'"
                        " AND object_id IN (SELECT id FROM visits WHERE contract_id = %s)", v.contract) == 0


def test_fingerprint_cannot_be_claimed_by_a_form(stack, admin):
    """Until the reader vouches for a match, a fingerprint visit cannot be
    made by posting a reference: nothing is recorded."""
    v = Vault(stack)
    r = check_in(stack, admin, v.contract, "", verified_by="fingerprint", verification_ref="match-1234")
    assert r.status_code == 422
    assert err_text("fingerprint_unavailable") in r.text
    r = check_in(stack, admin, v.contract, "why", verified_by="retina")
    assert r.status_code == 422
    assert visits_of(stack, v.contract) == 0


def test_suspended_contract_refused(stack, admin):
    v = Vault(stack, state="suspended", reason="rent unpaid since March")
    page = checkin_page(stack, admin, v.contract)
    assert lang_text("visits", "suspended") in page
    assert lang_text("visits.states", "suspended") in page
    assert "rent unpaid since March" in page
    assert 'id="checkin-form"' not in page

    r = check_in(stack, admin, v.contract, "he insists")
    assert r.status_code == 422
    assert err_text("contract_suspended") in r.text
    assert visits_of(stack, v.contract) == 0


def test_suspended_screen_says_what_is_due(stack, admin):
    v = Vault(stack, state="suspended", reason="arrears")
    charge(stack, admin, v.customer, "45.00")
    page = checkin_page(stack, admin, v.contract)
    assert re.search(r'id="refusal">[^<]*<strong>45\.00 EUR</strong>', page)
    assert re.search(r'id="balance">Amount due: <strong>45\.00 EUR</strong>', page)
    assert 'id="checkin-form"' not in page
    r = check_in(stack, admin, v.contract, "he insists")
    assert r.status_code == 422
    assert err_text("contract_suspended") in r.text and "45.00 EUR" in r.text
    assert visits_of(stack, v.contract) == 0


@pytest.mark.parametrize("state", ["closed", "closing"])
def test_closed_contract_refused(stack, admin, state):
    v = Vault(stack, state=state)
    page = checkin_page(stack, admin, v.contract)
    assert lang_text("visits", "closed") in page and 'id="checkin-form"' not in page
    r = check_in(stack, admin, v.contract)
    assert r.status_code == 422
    assert err_text("contract_closed") in r.text
    assert visits_of(stack, v.contract) == 0


def test_unknown_contract_and_visit(stack, admin):
    assert admin.get(f"{stack.base}/admin/visits/new?contract=999999999").status_code == 404
    assert admin.get(f"{stack.base}/admin/visits/new?contract=abc").status_code == 404
    assert check_in(stack, admin, 999999999).status_code == 404
    assert check_in(stack, admin, "1 OR 1=1").status_code == 404
    assert check_out(stack, admin, 999999999).status_code == 404


def test_customer_search_offers_open_contracts(stack, admin):
    name = uniq("Zebulon ")
    v = Vault(stack, name=name)
    closed, _, _ = new_contract(stack, v.site, v.customer, "closed")
    suspended, _, _ = new_contract(stack, v.site, v.customer, "suspended")
    for q in [name[:12], str(v.customer)]:
        r = admin.get(f"{stack.base}/admin/visits/new", params={"q": q})
        assert r.status_code == 200
        assert f'href="/admin/visits/new?contract={v.contract}"' in r.text
        assert f'href="/admin/visits/new?contract={suspended}"' in r.text
        assert f'href="/admin/visits/new?contract={closed}"' not in r.text
    r = admin.get(f"{stack.base}/admin/visits/new", params={"q": "%"})   # LIKE characters are literal
    assert r.status_code == 200 and f"contract={v.contract}" not in r.text


# ---------- history ----------

def test_history_filters_paging_and_sort(stack, admin):
    v = Vault(stack, tz="Asia/Tokyo", name=uniq("Hist "))   # UTC+9, no daylight saving
    other_customer = new_customer(stack, v.site, uniq("Other "))
    other_contract, other_cell, _ = new_contract(stack, v.site, other_customer)
    # 20:00 UTC on the 1st is 05:00 on the 2nd in Tokyo.
    late = insert_visit(stack, v, "2024-03-01 20:00:00", "2024-03-01 21:30:05")
    early = insert_visit(stack, v, "2024-03-01 10:00:00", "2024-03-01 10:20:00", by="fingerprint")
    mine = insert_visit(stack, v, "2024-03-05 01:00:00", "2024-03-05 01:00:30", contract=other_contract,
                        customer=other_customer, cell=other_cell)
    base = f"site={v.site}"

    page = admin.get(f"{stack.base}/admin/visits?{base}").text
    assert history(page) == [mine, late, early]                # newest first
    assert "2024-03-02 05:00" in row(page, late)              # shown in the site's time
    assert "1:30:05" in row(page, late) and "0:20:00" in row(page, early)
    assert listed(stack, admin, base + "&sort=oldest") == [early, late, mine]

    assert listed(stack, admin, base + "&from=2024-03-02&to=2024-03-02") == [late]
    assert listed(stack, admin, base + "&from=2024-03-01&to=2024-03-01") == [early]
    assert listed(stack, admin, base + "&from=2024-03-03") == [mine]
    assert listed(stack, admin, base + "&to=2024-03-02") == [late, early]
    # Without a site the same local days hold, each site counted in its own zone.
    assert set(listed(stack, admin, "from=2024-03-02&to=2024-03-02")) & {late, early, mine} == {late}

    assert listed(stack, admin, f"customer={v.customer}") == [late, early]
    assert listed(stack, admin, f"customer={other_customer}") == [mine]
    other_name = one(stack, "SELECT full_name FROM customers WHERE id = %s", other_customer)
    assert listed(stack, admin, base + "&customer=" + other_name[2:9]) == [mine]
    assert listed(stack, admin, f"cell={other_cell}") == [mine]
    assert listed(stack, admin, f"cell={v.cell}") == [late, early]
    assert listed(stack, admin, base + "&verified_by=fingerprint") == [early]
    assert listed(stack, admin, base + "&verified_by=staff_override") == [mine, late]

    for bad in ["from=2024-02-30", "to=yesterday", "verified_by=retina", "cell=-1"]:
        r = admin.get(f"{stack.base}/admin/visits?{base}&{bad}")
        assert r.status_code == 422, bad
        assert history(r.text) == []
    assert admin.get(f"{stack.base}/admin/visits?customer=999999999").status_code == 404
    assert admin.get(f"{stack.base}/admin/visits?cell=999999999").status_code == 404

    # Paging: 50 a page, one more on the next.
    for i in range(50):
        insert_visit(stack, v, "2024-04-01 %02d:%02d:00" % (i // 60, i % 60), "2024-04-01 23:00:00")
    first = admin.get(f"{stack.base}/admin/visits?{base}").text
    assert len(history(first)) == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    second = admin.get(f"{stack.base}/admin/visits?{base}&page=2").text
    assert history(second) == [mine, late, early] and 'rel="prev"' in second and 'rel="next"' not in second


def test_csv_export(stack, admin):
    v = Vault(stack, tz="Europe/Berlin", name="=cmd|' /C calc'!A0")
    a = insert_visit(stack, v, "2024-07-01 08:00:00", "2024-07-01 09:02:03", reason="Ünïcødé, \"quoted\"")
    b = insert_visit(stack, v, "2024-07-02 08:00:00")
    r = admin.get(f"{stack.base}/admin/visits.csv?site={v.site}&sort=oldest")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert re.match(r'attachment; filename="visits-\d{8}-\d{6}\.csv"', r.headers["Content-Disposition"])
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert [int(x["id"]) for x in rows] == [a, b]
    first = rows[0]
    assert first["customer"] == "'=cmd|' /C calc'!A0"        # a formula is neutralised
    assert first["cell"] == v.label and first["customer_id"] == str(v.customer)
    assert first["checked_in"] == "2024-07-01 10:00:00"        # CEST
    assert first["checked_out"] == "2024-07-01 11:02:03"
    assert first["time_zone"] == "Europe/Berlin"
    assert first["duration"] == "1:02:03" and first["seconds"] == "3723"
    assert first["verified_by"] == "staff_override" and first["override_reason"] == "Ünïcødé, \"quoted\""
    assert rows[1]["checked_out"] == "" and rows[1]["duration"] == ""
    r = admin.get(f"{stack.base}/admin/visits.csv?site={v.site}&from=2024-07-02")
    assert [int(x["id"]) for x in csv.DictReader(io.StringIO(r.text))] == [b]
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'visit.export' AND site_id = %s", v.site) == 2


def test_csv_export_of_many_rows_is_whole(stack, admin):
    """More rows than one database batch, many with the same check-in
    time: each visit is exported exactly once, in order."""
    v = Vault(stack)
    stack.sql("INSERT INTO visits (site_id, customer_id, contract_id, cell_id, checked_in_at, checked_out_at,"
              " verified_by, override_reason)"
              " SELECT %s, %s, %s, %s, '2024-08-01 10:00:00' + INTERVAL (seq DIV 7) MINUTE, '2024-08-02 00:00:00',"
              " 'staff_override', CONCAT('bulk ', seq) FROM seq_1_to_2345", v.site, v.customer, v.contract, v.cell)
    want = [int(x[0]) for x in stack.sql("SELECT id FROM visits WHERE site_id = %s ORDER BY checked_in_at DESC, id DESC",
                                         v.site)]
    assert len(want) == 2345
    r = admin.get(f"{stack.base}/admin/visits.csv?site={v.site}")
    assert r.status_code == 200
    assert [int(x["id"]) for x in csv.DictReader(io.StringIO(r.text))] == want
    r = admin.get(f"{stack.base}/admin/visits.csv?site={v.site}&sort=oldest")
    assert [int(x["id"]) for x in csv.DictReader(io.StringIO(r.text))] == want[::-1]


# ---------- scope, roles, CSRF, payloads ----------

def test_other_sites_visits_are_not_found(stack, admin):
    mine, theirs = Vault(stack), Vault(stack)
    theirs_visit = insert_visit(stack, theirs, "2024-05-01 10:00:00")
    mine_visit = insert_visit(stack, mine, "2024-05-01 10:00:00")
    op, _ = user_session(stack, admin, "operator", sites=[mine.site])

    page = op.get(f"{stack.base}/admin/visits").text
    assert mine_visit in history(page) and theirs_visit not in history(page)
    assert f'id="inside-{theirs_visit}"' not in page and f'id="inside-{mine_visit}"' in page
    body = op.get(f"{stack.base}/admin/visits.csv").text
    ids = [int(x["id"]) for x in csv.DictReader(io.StringIO(body))]
    assert mine_visit in ids and theirs_visit not in ids
    assert listed(stack, op, "from=2024-05-01&to=2024-05-01") == [mine_visit]

    for q in [f"site={theirs.site}", f"customer={theirs.customer}", f"cell={theirs.cell}"]:
        assert op.get(f"{stack.base}/admin/visits?{q}").status_code == 404, q
        assert op.get(f"{stack.base}/admin/visits.csv?{q}").status_code == 404, q
    assert op.get(f"{stack.base}/admin/visits/new?contract={theirs.contract}").status_code == 404
    r = op.get(f"{stack.base}/admin/visits/new", params={"q": str(theirs.customer)})
    assert f"contract={theirs.contract}" not in r.text
    assert check_in(stack, op, theirs.contract).status_code == 404
    assert visits_of(stack, theirs.contract) == 1
    assert check_out(stack, op, theirs_visit).status_code == 404
    assert one(stack, "SELECT checked_out_at FROM visits WHERE id = %s", theirs_visit) == "NULL"
    # The operator's own site works.
    assert check_out(stack, op, mine_visit).status_code == 303


def test_roles(stack, admin):
    v = Vault(stack)
    vid = insert_visit(stack, v, "2024-06-01 10:00:00")
    cashier, _ = user_session(stack, admin, "cashier")
    for path in ["/admin/visits", "/admin/visits.csv", f"/admin/visits/new?contract={v.contract}"]:
        assert cashier.get(stack.base + path).status_code == 403, path
    assert 'href="/admin/visits"' not in cashier.get(stack.base + "/admin/").text

    auditor, _ = user_session(stack, admin, "auditor")
    page = auditor.get(f"{stack.base}/admin/visits?site={v.site}").text
    assert vid in history(page) and f'id="inside-{vid}"' in page
    assert f'id="checkout-{vid}"' not in page and 'href="/admin/visits/new"' not in page
    assert auditor.get(f"{stack.base}/admin/visits.csv?site={v.site}").status_code == 200
    assert auditor.get(f"{stack.base}/admin/visits/new?contract={v.contract}").status_code == 403
    assert check_out(stack, auditor, vid).status_code == 403
    other = Vault(stack)
    assert check_in(stack, auditor, other.contract).status_code == 403
    assert visits_of(stack, other.contract) == 0
    assert one(stack, "SELECT checked_out_at FROM visits WHERE id = %s", vid) == "NULL"

    operator, op_id = user_session(stack, admin, "operator")
    assert check_out(stack, operator, vid).status_code == 303
    assert one(stack, "SELECT checkout_staff_id FROM visits WHERE id = %s", vid) == str(op_id)


def test_csrf_required(stack, admin):
    v = Vault(stack)
    for token in [None, "", "forged-token-" + "x" * 30]:
        data = {"contract_id": str(v.contract), "override_reason": "no token"}
        if token is not None:
            data["_csrf"] = token
        r = admin.post(f"{stack.base}/admin/visits", data=data, allow_redirects=False)
        assert r.status_code == 403
    assert visits_of(stack, v.contract) == 0
    vid = insert_visit(stack, v, "2024-06-01 10:00:00")
    r = admin.post(f"{stack.base}/admin/visits/{vid}/checkout", data={"_csrf": "nope"}, allow_redirects=False)
    assert r.status_code == 403
    assert one(stack, "SELECT checked_out_at FROM visits WHERE id = %s", vid) == "NULL"


def test_payloads_stored_verbatim_and_shown_escaped(stack, admin):
    name = "<b>Mallory</b> & 'co'"
    v = Vault(stack, name=name)
    for payload in PAYLOADS:
        r = check_in(stack, admin, v.contract, payload)
        assert r.status_code == 303, (payload, r.text[:500])
        vid = open_visit(stack, v.contract)
        assert text(stack, "SELECT HEX(override_reason) FROM visits WHERE id = %s", vid) == payload
        (detail, _), = audit(stack, "visit.override", vid)
        assert json.loads(detail)["reason"] == payload
        shown = re.search(r'<small class="detail">([^<]*)</small>', row(admin.get(
            f"{stack.base}/admin/visits?site={v.site}").text, vid))
        assert shown and html.unescape(shown.group(1)) == payload
        assert check_out(stack, admin, vid).status_code == 303
    page = admin.get(f"{stack.base}/admin/visits?site={v.site}").text
    assert "<script>alert(1)</script>" not in page and "<b>Mallory</b>" not in page
    links = re.findall(r'<a href="/admin/visits\?customer=%d">([^<]*)</a>' % v.customer, page)
    assert links and all(html.unescape(x) == name for x in links)
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s", v.contract) == len(PAYLOADS)
    # Payloads in the filters and the search are values, never SQL.
    for payload in PAYLOADS:
        r = admin.get(f"{stack.base}/admin/visits", params={"customer": payload, "site": str(v.site)})
        assert r.status_code == 200 and "<script>alert(1)</script>" not in r.text
        r = admin.get(f"{stack.base}/admin/visits/new", params={"q": payload})
        assert r.status_code == 200 and "<script>alert(1)</script>" not in r.text


def test_russian_screens(stack, admin):
    v = Vault(stack)
    r = admin.get(f"{stack.base}/admin/visits/new?contract={v.contract}&lang=ru")
    assert r.status_code == 200
    assert lang_text("visits", "override_submit", "ru/visits.hdf") in r.text
