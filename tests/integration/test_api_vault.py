"""The vault part of the JSON API against the real stack: customers, their
accounts (balance, statement, payments), contracts and visits; scoping to
the key's sites, read-only keys, problem documents, and idempotent writes
(retries and concurrent twins post once).

Sites, banks and keys are made as test_api.py makes them (keys inserted as
lib/apikey stores them); plans are set up in SQL.  Money moves only through
the API (and so through lib/ledger); the tests read the tables to check."""
import threading
import uuid
from datetime import date, timedelta

import pytest
import requests
from helpers import api, count, invalid, is_problem, make_key

PAYLOADS = ["Robert'); DROP TABLE customers;--", "<script>alert(1)</script>", "\" onmouseover=\"x",
            "1 OR 1=1; --", "Ünïcødé 🔒 ячейка"]


# ---------- helpers (the conventions of test_api.py) ----------

def idem():
    return {"Idempotency-Key": "k-" + uuid.uuid4().hex}


class Vault:
    """A vault site with a bank (4 S, 2 M with charging, 1 L), plans, and a
    writing key for it alone."""

    def __init__(self, stack, currency="EUR", deposit=5000):
        self.stack = stack
        admin = api(make_key(stack))
        r = admin.post(stack.base + "/api/v1/sites", json={
            "name": "Vault " + uuid.uuid4().hex[:8], "time_zone": "Europe/Berlin", "currency": currency,
            "languages": ["en", "ru"], "modules": {"vault": True}})
        assert r.status_code == 201, r.text
        self.site = r.json()["id"]
        r = admin.post(stack.base + f"/api/v1/sites/{self.site}/banks", json={
            "name": "Vault wall", "label_prefix": "V-",
            "groups": [{"size": "S", "count": 4}, {"size": "M", "count": 2, "features": ["charging"]},
                       {"size": "L", "count": 1}]})
        assert r.status_code == 201, r.text
        self.cells = r.json()["cells"]
        for size, price in (("S", 3000), ("M", 4500), ("L", 9000)):
            for period, mult in (("monthly", 1), ("yearly", 10)):
                stack.sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES (%s, %s, %s, %s, %s)",
                          self.site, size, period, price * mult, deposit)
        self.key = make_key(stack, all_sites=False, sites=[self.site])
        self.s = api(self.key)

    def url(self, path):
        return self.stack.base + path

    def customer(self, **extra):
        r = self.s.post(self.url("/api/v1/customers"), json=customer_body(self.site, **extra))
        assert r.status_code == 201, r.text
        return r.json()

    def pay(self, customer_id, minor, key=None, **extra):
        r = self.s.post(self.url("/api/v1/payments"), headers={"Idempotency-Key": key or uuid.uuid4().hex},
                        json={"customer_id": customer_id, "amount_minor": minor, "method": "cash", **extra})
        assert r.status_code == 201, r.text
        return r.json()

    def contract(self, customer_id, **extra):
        body = {"customer_id": customer_id, "size_class": "S", "period": "monthly", **extra}
        r = self.s.post(self.url("/api/v1/contracts"), headers=idem(), json=body)
        assert r.status_code == 201, r.text
        return r.json()


def customer_body(site, **extra):
    body = {"site_id": site, "full_name": "Anna Schmidt", "date_of_birth": "1980-04-02", "doc_type": "passport",
            "doc_number": "C" + uuid.uuid4().hex[:8].upper(), "doc_expiry": "2035-06-30",
            "phone": "+49 30 1234567", "email": "anna@example.org"}
    body.update(extra)
    return body


@pytest.fixture
def vault(stack):
    return Vault(stack)


# ---------- customers ----------

def test_customer_create_read_and_search(stack, vault):
    s = vault.s
    r = s.post(vault.url("/api/v1/customers"), json=customer_body(vault.site, full_name="Berta Quell", notes="VIP",
                                                                 colour="blue"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert r.headers["Location"] == f"/api/v1/customers/{c['id']}"
    assert (c["site_id"], c["full_name"], c["source"], c["notes"], c["language"]) == \
        (vault.site, "Berta Quell", "api", "VIP", "en")
    assert c["date_of_birth"] == "1980-04-02" and c["doc_expiry"] == "2035-06-30" and c["has_photo"] is False
    assert c["balance"] == {"amount_minor": 0, "amount": "0.00", "currency": "EUR", "status": "settled"}
    assert c["contract_ids"] == [] and "colour" not in c
    assert s.get(vault.url(f"/api/v1/customers/{c['id']}")).json() == c
    rows = stack.sql("SELECT action, actor_type, actor_id, object_id FROM audit_log WHERE action = 'customer.create'"
                     " AND object_id = %s", c["id"])
    assert rows == [["customer.create", "api", str(vault.key.id), str(c["id"])]]

    other = vault.customer(full_name="Carl Zeiss", phone="", email="carl@example.org")
    listed = s.get(vault.url("/api/v1/customers"), params={"site_id": vault.site}).json()
    assert [x["id"] for x in listed["customers"]] == [c["id"], other["id"]]          # by name
    assert listed["total"] == 2 and (listed["limit"], listed["offset"]) == (50, 0)
    assert "balance" not in listed["customers"][0]
    found = s.get(vault.url("/api/v1/customers"), params={"q": "zeis"}).json()["customers"]
    assert [x["id"] for x in found] == [other["id"]]
    assert [x["id"] for x in s.get(vault.url("/api/v1/customers"),
                                   params={"q": c["doc_number"]}).json()["customers"]] == [c["id"]]
    # The search text is literal: wildcards match nothing here.
    assert s.get(vault.url("/api/v1/customers"), params={"q": "%"}).json()["customers"] == []
    assert s.get(vault.url("/api/v1/customers"), params={"q": "_"}).json()["customers"] == []
    page = s.get(vault.url("/api/v1/customers"), params={"limit": 1, "offset": 1}).json()
    assert [x["id"] for x in page["customers"]] == [other["id"]] and page["total"] == 2


def test_customer_validation(stack, vault):
    s = vault.s
    url = vault.url("/api/v1/customers")
    today = date.today()
    young = today.replace(year=today.year - 17).isoformat()
    before = count(stack, "SELECT COUNT(*) FROM customers WHERE site_id = %s", vault.site)
    cases = [
        ({"site_id": None}, "site_id", "required"),
        ({"site_id": str(vault.site)}, "site_id", "wrong_type"),
        ({"site_id": 0}, "site_id", "out_of_range"),
        ({"full_name": None}, "full_name", "required"),
        ({"full_name": 7}, "full_name", "wrong_type"),
        ({"full_name": "R2-D2"}, "full_name", "name_invalid"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth", "date_invalid"),
        ({"date_of_birth": young}, "date_of_birth", "too_young"),
        ({"doc_type": "visa"}, "doc_type", "doc_type_invalid"),
        ({"doc_number": "!!"}, "doc_number", "doc_invalid"),
        ({"doc_expiry": (today - timedelta(days=1)).isoformat()}, "doc_expiry", "doc_expired"),
        ({"phone": "", "email": ""}, "phone", "contact_required"),
        ({"email": "not an address"}, "email", "email_invalid"),
        ({"phone": "call me"}, "phone", "phone_invalid"),
        ({"payment_preference": "weekly"}, "payment_preference", "payment_preference_invalid"),
        ({"notes": ["x"]}, "notes", "wrong_type"),
    ]
    for change, field, reason in cases:
        invalid(s.post(url, json=customer_body(vault.site, **change)), field, reason)
    body = customer_body(vault.site)
    del body["doc_number"]
    invalid(s.post(url, json=body), "doc_number", "required")
    is_problem(s.post(url, data="{\"site_id\": 1,", headers={"Content-Type": "application/json"}), 400, "bad_json")
    is_problem(s.post(url, data={"site_id": vault.site}), 415, "unsupported_media_type")
    assert count(stack, "SELECT COUNT(*) FROM customers WHERE site_id = %s", vault.site) == before

    # One document per site: the second registration is a conflict.
    first = vault.customer()
    r = s.post(url, json=customer_body(vault.site, doc_number=first["doc_number"], full_name="Other Person"))
    body = is_problem(r, 409, "conflict")
    assert (body["field"], body["reason"]) == ("doc_number", "doc_taken")
    # A site without the vault module takes no customers.
    admin = api(make_key(stack))
    r = admin.post(stack.base + "/api/v1/sites", json={"name": "Storage " + uuid.uuid4().hex[:8], "time_zone": "UTC",
                                                       "currency": "EUR", "languages": ["en"]})
    invalid(admin.post(url, json=customer_body(r.json()["id"])), "site_id", "vault_off")
    assert count(stack, "SELECT COUNT(*) FROM customers WHERE site_id = %s", r.json()["id"]) == 0


def test_hostile_strings_are_stored_verbatim(stack, vault):
    for p in PAYLOADS:
        c = vault.customer(address=p, notes=p, nominee_relation=p[:64])
        got = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}")).json()
        assert (got["address"], got["notes"]) == (p, p)
        stored = stack.sql("SELECT HEX(address), HEX(notes) FROM customers WHERE id = %s", c["id"])[0]
        assert stored == [p.encode().hex().upper()] * 2
        hits = vault.s.get(vault.url("/api/v1/customers"), params={"q": c["doc_number"]}).json()["customers"]
        assert [h["id"] for h in hits] == [c["id"]]
    assert count(stack, "SELECT COUNT(*) FROM customers") > 0


# ---------- payments, balance, statement ----------

def test_payment_posts_once_and_replays(stack, vault):
    c = vault.customer()
    url = vault.url("/api/v1/payments")
    body = {"customer_id": c["id"], "amount_minor": 123456789012, "method": "card", "reference": "POS 7731"}
    is_problem(vault.s.post(url, json=body), 400, "idempotency_key_missing")
    is_problem(vault.s.post(url, json=body, headers={"Idempotency-Key": ""}), 400, "idempotency_key_missing")
    is_problem(vault.s.post(url, json=body, headers={"Idempotency-Key": "x" * 65}), 400, "bad_idempotency_key")
    is_problem(vault.s.post(url, json=body, headers={"Idempotency-Key": "two words"}), 400, "bad_idempotency_key")
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s", c["id"]) == 0

    key = {"Idempotency-Key": "pay-" + uuid.uuid4().hex}
    r = vault.s.post(url, json=body, headers=key)
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["customer_id"], p["kind"], p["amount_minor"], p["amount"], p["currency"], p["method"], p["reference"]) \
        == (c["id"], "payment", 123456789012, "1234567890.12", "EUR", "card", "POS 7731")
    assert p["document"].startswith("R-") and p["reversed_by"] is None and p["contract_id"] is None
    # The same request again: the same journal, nothing posted.
    r = vault.s.post(url, json=body, headers=key)
    assert r.status_code == 200 and r.json() == p
    # The same key for another payment is a mistake, not a replay.
    r = vault.s.post(url, json=dict(body, amount_minor=5), headers=key)
    is_problem(r, 409, "idempotency_key_reused")
    other = vault.customer()
    is_problem(vault.s.post(url, json=dict(body, customer_id=other["id"]), headers=key), 409, "idempotency_key_reused")
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id IN (%s, %s)", c["id"], other["id"]) == 1
    # Keys are kept per API key: another key's identical header is another payment.
    second = api(make_key(stack, all_sites=False, sites=[vault.site]))
    r = second.post(url, json=body, headers=key)
    assert r.status_code == 201 and r.json()["id"] != p["id"]
    assert stack.sql("SELECT idem_key FROM ledger_journals WHERE id = %s", p["id"])[0][0] == \
        f"api:{vault.key.id}:{key['Idempotency-Key']}"

    bal = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/balance")).json()
    assert bal == {"customer_id": c["id"], "amount_minor": -246913578024, "amount": "-2469135780.24",
                   "currency": "EUR", "status": "credit"}
    pays = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/payments")).json()
    assert pays["total"] == 2 and pays["payments"][1] == p
    # Every posting is audited with the key as the actor.
    assert stack.sql("SELECT action, actor_type, actor_id FROM audit_log WHERE object_type = 'journal'"
                     " AND object_id = %s", p["id"]) == [["ledger.payment", "api", str(vault.key.id)]]


def test_payment_amounts_and_validation(stack, vault):
    c = vault.customer()
    url = vault.url("/api/v1/payments")

    def post(**body):
        return vault.s.post(url, headers=idem(), json={"customer_id": c["id"], "method": "cash", **body})

    r = post(amount="12.50")
    assert r.status_code == 201 and (r.json()["amount_minor"], r.json()["amount"]) == (1250, "12.50")
    r = post(amount_minor=1, received_on="2026-01-15", reference="<b>x</b>")
    assert r.status_code == 201 and r.json()["received_on"] == "2026-01-15" and r.json()["reference"] == "<b>x</b>"
    cases = [
        ({"amount_minor": 0}, "amount_minor", "out_of_range"),
        ({"amount_minor": -100}, "amount_minor", "out_of_range"),
        ({"amount_minor": 10 ** 15 + 1}, "amount_minor", "out_of_range"),
        ({"amount_minor": 2 ** 63 - 1}, "amount_minor", "out_of_range"),
        ({"amount_minor": 12.5}, "amount_minor", "wrong_type"),
        ({"amount_minor": "100"}, "amount_minor", "wrong_type"),
        ({"amount_minor": True}, "amount_minor", "wrong_type"),
        ({}, "amount_minor", "required"),
        ({"amount": "12.505"}, "amount", "bad_amount"),
        ({"amount": "twelve"}, "amount", "bad_amount"),
        ({"amount": "-5"}, "amount", "bad_amount"),
        ({"amount": "0.00"}, "amount", "out_of_range"),
        ({"amount": 12}, "amount", "wrong_type"),
        ({"amount": "1", "amount_minor": 100}, "amount", "ambiguous"),
        ({"amount_minor": 100, "received_on": "2026-02-30"}, "received_on", "bad_date"),
        ({"amount_minor": 100, "method": None}, "method", "required"),
        ({"amount_minor": 100, "customer_id": "1"}, "customer_id", "wrong_type"),
    ]
    for body, field, reason in cases:
        invalid(post(**body), field, reason)
    r = post(amount_minor=100, method="bitcoin")
    body = is_problem(r, 422, "validation_failed")
    assert body["field"] == "method"
    is_problem(post(amount_minor=100, customer_id=999999999), 404, "not_found")
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s", c["id"]) == 2
    assert vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/balance")).json()["amount_minor"] == -1251


def test_concurrent_twin_payments_post_once(stack, vault):
    c = vault.customer()
    key = {"Idempotency-Key": "twin-" + uuid.uuid4().hex}
    body = {"customer_id": c["id"], "amount_minor": 777, "method": "cash"}
    results, barrier = [], threading.Barrier(8)

    def one():
        s = api(vault.key)
        barrier.wait()
        r = s.post(vault.url("/api/v1/payments"), json=body, headers=key)
        results.append((r.status_code, r.json().get("id")))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [200] * 7 + [201], results
    assert len({jid for _, jid in results}) == 1
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s", c["id"]) == 1
    assert vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/balance")).json()["amount_minor"] == -777


def test_statement(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2026-03-01")           # rent 3000 + deposit 5000 charged
    vault.pay(c["id"], 2000, received_on="2026-03-05")
    vault.pay(c["id"], 999, received_on="2026-04-10")
    st = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/statement")).json()
    assert st["customer_id"] == c["id"] and st["currency"] == "EUR" and st["from"] is None
    assert st["opening_minor"] == 0 and st["closing_minor"] == 3000 + 5000 - 2000 - 999
    running = 0
    for line in st["lines"]:
        running += line["amount_minor"]
        assert line["running_minor"] == running
        assert isinstance(line["amount_minor"], int)
    assert running == st["closing_minor"]
    assert sorted(line["amount_minor"] for line in st["lines"]) == [-2000, -999, 3000, 5000]
    assert k["id"] in vault.s.get(vault.url(f"/api/v1/customers/{c['id']}")).json()["contract_ids"]
    # A window: what came before is the opening balance (the rent is dated
    # the contract's start, the deposit the day it was taken: today).
    assert stack.sql("SELECT value_date FROM ledger_journals WHERE contract_id = %s AND kind = 'charge'",
                     k["id"]) == [["2026-03-01"]]
    st = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/statement"),
                     params={"from": "2026-04-01", "to": "2026-04-30"}).json()
    assert (st["from"], st["to"]) == ("2026-04-01", "2026-04-30")
    assert st["opening_minor"] == 3000 - 2000 and st["closing_minor"] == 1
    assert [line["amount_minor"] for line in st["lines"]] == [-999]
    due = vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/balance")).json()
    assert (due["amount_minor"], due["amount"], due["status"]) == (5001, "50.01", "due")
    url = vault.url(f"/api/v1/customers/{c['id']}/statement")
    invalid(vault.s.get(url, params={"from": "2026-13-01"}), "from", "bad_date")
    invalid(vault.s.get(url, params={"to": "yesterday"}), "to", "bad_date")
    invalid(vault.s.get(url, params={"from": "2026-05-01", "to": "2026-04-01"}), "to", "out_of_range")


# ---------- contracts ----------

def test_contract_create_replay_and_read(stack, vault):
    c = vault.customer()
    url = vault.url("/api/v1/contracts")
    body = {"customer_id": c["id"], "size_class": "M", "features": ["charging"], "period": "monthly"}
    is_problem(vault.s.post(url, json=body), 400, "idempotency_key_missing")
    key = idem()
    r = vault.s.post(url, json=body, headers=key)
    assert r.status_code == 201, r.text
    k = r.json()
    assert r.headers["Location"] == f"/api/v1/contracts/{k['id']}"
    assert (k["customer_id"], k["site_id"], k["size"], k["period"], k["state"], k["currency"]) == \
        (c["id"], vault.site, "M", "monthly", "active", "EUR")
    assert (k["price_minor"], k["deposit_minor"], k["deposit_held_minor"]) == (4500, 5000, 5000)
    assert k["cell_id"] in [x["id"] for x in vault.cells if x["size"] == "M"]
    assert stack.sql("SELECT status FROM cells WHERE id = %s", k["cell_id"])[0][0] == "occupied"
    # Retried: the same contract; with other members: refused.
    r = vault.s.post(url, json=body, headers=key)
    assert r.status_code == 200 and r.json() == k
    is_problem(vault.s.post(url, json=dict(body, period="yearly"), headers=key), 409, "idempotency_key_reused")
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE customer_id = %s", c["id"]) == 1
    assert vault.s.get(vault.url(f"/api/v1/contracts/{k['id']}")).json() == k

    # A named cell; then the same cell again is taken.
    cell = vault.cells[0]["id"]
    k2 = vault.contract(c["id"], cell_id=cell, size_class=None, period="yearly")
    assert (k2["cell_id"], k2["price_minor"]) == (cell, 30000)
    body = is_problem(vault.s.post(url, headers=idem(), json={"customer_id": c["id"], "cell_id": cell,
                                                              "period": "monthly"}), 409, "conflict")
    assert (body["field"], body["reason"]) == ("cell_id", "cell_taken")
    listed = vault.s.get(url, params={"customer_id": c["id"]}).json()["contracts"]
    assert [x["id"] for x in listed] == [k["id"], k2["id"]]
    assert "deposit_held_minor" not in listed[0]
    assert vault.s.get(url, params={"customer_id": c["id"], "state": "closed"}).json()["contracts"] == []
    invalid(vault.s.get(url, params={"state": "gone"}), "state", "invalid")


def test_contract_validation(stack, vault):
    c = vault.customer()
    url = vault.url("/api/v1/contracts")
    before = count(stack, "SELECT COUNT(*) FROM contracts WHERE site_id = %s", vault.site)
    cases = [
        ({"customer_id": None}, "customer_id", "required"),
        ({"customer_id": "x"}, "customer_id", "wrong_type"),
        ({"size_class": None}, "size_class", "required"),
        ({"size_class": "XXL"}, "size_class", "bad_size"),
        ({"period": None}, "period", "required"),
        ({"period": "weekly"}, "period", "period_invalid"),
        ({"features": "charging"}, "features", "wrong_type"),
        ({"features": ["laser"]}, "features", "bad_features"),
        ({"starts_on": "2026-02-31"}, "starts_on", "bad_date"),
        ({"cell_id": 1.5}, "cell_id", "wrong_type"),
        ({"size_class": "XL"}, "cell_id", "no_free_cell"),
    ]
    for change, field, reason in cases:
        body = {"customer_id": c["id"], "size_class": "S", "period": "monthly", **change}
        invalid(vault.s.post(url, headers=idem(), json=body), field, reason)
    is_problem(vault.s.post(url, headers=idem(), json={"customer_id": 999999999, "size_class": "S",
                                                       "period": "monthly"}), 404, "not_found")
    is_problem(vault.s.post(url, headers=idem(), json={"customer_id": c["id"], "cell_id": 999999999,
                                                       "period": "monthly"}), 404, "not_found")
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE site_id = %s", vault.site) == before
    # A failed request does not use up its key.
    key = idem()
    invalid(vault.s.post(url, headers=key, json={"customer_id": c["id"], "size_class": "XL", "period": "monthly"}),
            "cell_id", "no_free_cell")
    r = vault.s.post(url, headers=key, json={"customer_id": c["id"], "size_class": "S", "period": "monthly"})
    assert r.status_code == 201, r.text


def test_concurrent_twin_contracts_make_one(stack, vault):
    c = vault.customer()
    key = idem()
    body = {"customer_id": c["id"], "size_class": "S", "period": "monthly"}
    results, barrier = [], threading.Barrier(6)

    def one():
        s = api(vault.key)
        barrier.wait()
        r = s.post(vault.url("/api/v1/contracts"), json=body, headers=key)
        results.append((r.status_code, r.json().get("id")))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [200] * 5 + [201], results
    assert len({cid for _, cid in results}) == 1
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE customer_id = %s", c["id"]) == 1
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s AND kind = 'deposit'", c["id"]) == 1


# ---------- visits ----------

def test_visits(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"])
    url = vault.url("/api/v1/visits")
    r = vault.s.post(url, json={"contract_id": k["id"], "verified_by": "staff_override",
                                "override_reason": "Reader out of order"})
    assert r.status_code == 201, r.text
    v = r.json()
    assert r.headers["Location"] == f"/api/v1/visits/{v['id']}"
    assert (v["contract_id"], v["customer_id"], v["cell_id"], v["verified_by"], v["override_reason"]) == \
        (k["id"], c["id"], k["cell_id"], "staff_override", "Reader out of order")
    assert v["checked_out_at"] is None and v["staff_user_id"] is None
    body = is_problem(vault.s.post(url, json={"contract_id": k["id"], "verified_by": "staff_override",
                                              "override_reason": "again"}), 409, "visit_open")
    assert body["field"] == "contract_id"
    r = vault.s.post(vault.url(f"/api/v1/visits/{v['id']}/checkout"))
    assert r.status_code == 200 and r.json()["checked_out_at"]
    r = vault.s.post(vault.url(f"/api/v1/visits/{v['id']}/checkout"), json={})
    body = is_problem(r, 409, "conflict")
    assert body["reason"] == "visit_closed"

    # A fingerprint visit needs the site's reader to vouch for the match:
    # this site has none, so a reference alone records nothing (the real
    # path, with a match fingerd made: test_fingerprint_visits.py).
    ref = "match-" + uuid.uuid4().hex[:12]
    r = vault.s.post(url, json={"contract_id": k["id"], "verified_by": "fingerprint", "verification_ref": ref})
    is_problem(r, 503, "fingerprint_unavailable")
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s", k["id"]) == 1
    r = vault.s.post(url, json={"contract_id": k["id"], "verified_by": "staff_override", "override_reason": "again"})
    assert r.status_code == 201, r.text
    fp = r.json()
    assert vault.s.post(vault.url(f"/api/v1/visits/{fp['id']}/checkout")).status_code == 200

    listed = vault.s.get(url, params={"customer_id": c["id"]}).json()["visits"]
    assert [x["id"] for x in listed] == [fp["id"], v["id"]]                       # newest first
    assert [x["id"] for x in vault.s.get(url, params={"cell_id": k["cell_id"]}).json()["visits"]] == [fp["id"], v["id"]]
    today = date.today()
    window = {"customer_id": c["id"], "from": (today - timedelta(days=1)).isoformat(),
              "to": (today + timedelta(days=1)).isoformat()}
    assert len(vault.s.get(url, params=window).json()["visits"]) == 2
    assert vault.s.get(url, params=dict(window, to=(today - timedelta(days=2)).isoformat(),
                                        **{"from": "2020-01-01"})).json()["visits"] == []
    invalid(vault.s.get(url, params={"from": "2026-1-1"}), "from", "bad_date")


def test_visit_refusals(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"])
    url = vault.url("/api/v1/visits")
    invalid(vault.s.post(url, json={"contract_id": k["id"], "verified_by": "staff_override"}),
            "override_reason", "override_reason")
    invalid(vault.s.post(url, json={"contract_id": k["id"], "verified_by": "fingerprint"}),
            "verification_ref", "verification_ref")
    invalid(vault.s.post(url, json={"contract_id": k["id"], "verified_by": "face"}), "verified_by", "invalid")
    invalid(vault.s.post(url, json={"contract_id": k["id"]}), "verified_by", "required")
    invalid(vault.s.post(url, json={"contract_id": [1], "verified_by": "fingerprint"}), "contract_id", "wrong_type")
    is_problem(vault.s.post(url, json={"contract_id": 999999999, "verified_by": "staff_override",
                                       "override_reason": "x"}), 404, "not_found")
    stack.sql("UPDATE contracts SET state = 'suspended', state_reason = 'arrears' WHERE id = %s", k["id"])
    body = is_problem(vault.s.post(url, json={"contract_id": k["id"], "verified_by": "staff_override",
                                              "override_reason": "Customer insists"}), 422, "contract_suspended")
    assert body["detail"]
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s", k["id"]) == 0
    is_problem(vault.s.post(vault.url("/api/v1/visits/999999999/checkout")), 404, "not_found")
    r = vault.s.post(vault.url("/api/v1/visits/999999999/checkout"), data="x",
                     headers={"Content-Type": "text/plain"})
    is_problem(r, 415, "unsupported_media_type")


# ---------- keys: read-only, scoping ----------

def test_read_only_key_cannot_write(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"])
    ro = api(make_key(stack, can_write=False))
    assert ro.get(vault.url(f"/api/v1/customers/{c['id']}")).status_code == 200
    assert ro.get(vault.url(f"/api/v1/contracts/{k['id']}")).status_code == 200
    before = [count(stack, f"SELECT COUNT(*) FROM {t}") for t in ("customers", "ledger_journals", "contracts", "visits")]
    is_problem(ro.post(vault.url("/api/v1/customers"), json=customer_body(vault.site)), 403, "forbidden")
    is_problem(ro.post(vault.url("/api/v1/payments"), headers=idem(),
                       json={"customer_id": c["id"], "amount_minor": 100, "method": "cash"}), 403, "forbidden")
    is_problem(ro.post(vault.url("/api/v1/contracts"), headers=idem(),
                       json={"customer_id": c["id"], "size_class": "S", "period": "monthly"}), 403, "forbidden")
    is_problem(ro.post(vault.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                          "override_reason": "x"}), 403, "forbidden")
    v = vault.s.post(vault.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                         "override_reason": "x"}).json()
    is_problem(ro.post(vault.url(f"/api/v1/visits/{v['id']}/checkout")), 403, "forbidden")
    before[3] += 1
    assert [count(stack, f"SELECT COUNT(*) FROM {t}") for t in ("customers", "ledger_journals", "contracts", "visits")] \
        == before


def test_another_sites_objects_are_not_found(stack, vault):
    theirs = Vault(stack)
    c = theirs.customer()
    k = theirs.contract(c["id"])
    pay = theirs.pay(c["id"], 100)
    v = theirs.s.post(theirs.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                           "override_reason": "x"}).json()
    mine = vault.customer()
    missing = is_problem(vault.s.get(vault.url("/api/v1/customers/999999999")), 404, "not_found")
    s = vault.s
    for path in (f"/api/v1/customers/{c['id']}", f"/api/v1/customers/{c['id']}/balance",
                 f"/api/v1/customers/{c['id']}/statement", f"/api/v1/customers/{c['id']}/payments",
                 f"/api/v1/contracts/{k['id']}", f"/api/v1/customers?site_id={theirs.site}",
                 f"/api/v1/contracts?customer_id={c['id']}", f"/api/v1/visits?customer_id={c['id']}",
                 f"/api/v1/visits?cell_id={k['cell_id']}", f"/api/v1/contracts?site_id={theirs.site}",
                 "/api/v1/customers/abc", "/api/v1/contracts/0", "/api/v1/customers/-1/balance"):
        assert is_problem(s.get(vault.url(path)), 404, "not_found") == missing, path
    # Lists without a filter show only the key's sites.
    assert c["id"] not in [x["id"] for x in s.get(vault.url("/api/v1/customers")).json()["customers"]]
    assert k["id"] not in [x["id"] for x in s.get(vault.url("/api/v1/contracts")).json()["contracts"]]
    assert v["id"] not in [x["id"] for x in s.get(vault.url("/api/v1/visits")).json()["visits"]]
    before = [count(stack, f"SELECT COUNT(*) FROM {t}") for t in ("customers", "ledger_journals", "contracts", "visits")]
    is_problem(s.post(vault.url("/api/v1/customers"), json=customer_body(theirs.site)), 404, "not_found")
    is_problem(s.post(vault.url("/api/v1/payments"), headers=idem(),
                      json={"customer_id": c["id"], "amount_minor": 100, "method": "cash"}), 404, "not_found")
    is_problem(s.post(vault.url("/api/v1/contracts"), headers=idem(),
                      json={"customer_id": c["id"], "size_class": "S", "period": "monthly"}), 404, "not_found")
    # My customer, their cell.
    is_problem(s.post(vault.url("/api/v1/contracts"), headers=idem(),
                      json={"customer_id": mine["id"], "cell_id": theirs.cells[1]["id"], "period": "monthly"}),
               404, "not_found")
    is_problem(s.post(vault.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                         "override_reason": "x"}), 404, "not_found")
    is_problem(s.post(vault.url(f"/api/v1/visits/{v['id']}/checkout")), 404, "not_found")
    assert [count(stack, f"SELECT COUNT(*) FROM {t}") for t in ("customers", "ledger_journals", "contracts", "visits")] \
        == before
    assert pay["customer_id"] == c["id"]


def test_list_parameters_are_checked(stack, vault):
    s = vault.s
    for path in ("/api/v1/customers", "/api/v1/contracts", "/api/v1/visits"):
        invalid(s.get(vault.url(path), params={"limit": 0}), "limit", "out_of_range")
        invalid(s.get(vault.url(path), params={"limit": 501}), "limit", "out_of_range")
        invalid(s.get(vault.url(path), params={"limit": "ten"}), "limit", "wrong_type")
        invalid(s.get(vault.url(path), params={"offset": -1}), "offset", "wrong_type")
        invalid(s.get(vault.url(path), params={"site_id": "x"}), "site_id", "wrong_type")
        invalid(s.get(vault.url(path), params={"site_id": "9" * 40}), "site_id", "wrong_type")
        invalid(s.get(vault.url(path), params={"offset": 2 ** 63}), "offset", "wrong_type")
        assert s.get(vault.url(path), params={"limit": 500}).status_code == 200
    invalid(s.get(vault.url("/api/v1/customers"), params={"q": "q" * 161}), "q", "too_long")


# ---------- the OpenAPI document describes what is sent ----------

def _conforms(doc, schema, value, where):
    """value matches schema: the JSON types, nullability, enums, and for
    objects exactly the documented members (every vault schema lists all
    of its members as required)."""
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if value is None:
        assert schema.get("nullable"), where
        return
    kind = schema.get("type")
    expected = {"integer": int, "string": str, "boolean": bool, "array": list, "object": dict}[kind]
    assert isinstance(value, expected) and not (kind == "integer" and isinstance(value, bool)), (where, value)
    if "enum" in schema:
        assert value in schema["enum"], (where, value)
    if kind == "array":
        for i, item in enumerate(value):
            _conforms(doc, schema["items"], item, f"{where}[{i}]")
    if kind == "object" and "properties" in schema:
        assert set(value) == set(schema["properties"]), (where, set(value) ^ set(schema["properties"]))
        assert set(schema["required"]) == set(schema["properties"]), where
        for name, sub in schema["properties"].items():
            _conforms(doc, sub, value[name], f"{where}.{name}")


def test_responses_match_the_openapi_document(stack, vault):
    doc = requests.get(stack.base + "/api/v1/openapi.json").json()
    c = vault.customer()
    k = vault.contract(c["id"])
    p = vault.pay(c["id"], 250, reference="r1")
    v = vault.s.post(vault.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                         "override_reason": "x"}).json()
    ref = {"$ref": "#/components/schemas/"}
    checks = [
        ("CustomerDetail", c), ("CustomerDetail", vault.s.get(vault.url(f"/api/v1/customers/{c['id']}")).json()),
        ("CustomerList", vault.s.get(vault.url("/api/v1/customers")).json()),
        ("CustomerBalance", vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/balance")).json()),
        ("Statement", vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/statement")).json()),
        ("PaymentList", vault.s.get(vault.url(f"/api/v1/customers/{c['id']}/payments")).json()),
        ("Payment", p), ("ContractDetail", k),
        ("ContractDetail", vault.s.get(vault.url(f"/api/v1/contracts/{k['id']}")).json()),
        ("ContractList", vault.s.get(vault.url("/api/v1/contracts")).json()),
        ("Visit", v), ("VisitList", vault.s.get(vault.url("/api/v1/visits")).json()),
        ("Visit", vault.s.post(vault.url(f"/api/v1/visits/{v['id']}/checkout")).json()),
    ]
    for name, value in checks:
        _conforms(doc, {"$ref": ref["$ref"] + name}, value, name)
    # Lists leave out what only the single object carries.
    assert "balance" not in doc["components"]["schemas"]["Customer"]["properties"]
