"""Vault customers, plans and contracts in the back office, against the real
stack: validation of every field, payloads, photos, plans, contracts with
their ledger postings, suspension, closing with settlement, concurrency,
site scoping, roles and CSRF."""
import datetime
import html
import os
import re
import threading
import uuid

import pytest
import requests

from helpers import csrf_of, uniq, one, count, post_form, new_user, new_customer

PAYLOADS = [
    "Robert'); DROP TABLE customers;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' OR '1'='1",
]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def text(stack, query, *params):
    """A text value exactly as stored (sent as hex, so no client escaping)."""
    return bytes.fromhex(one(stack, query, *params)).decode("utf-8")


def doc_number():
    return "T" + uuid.uuid4().hex[:12].upper()


def person(**over):
    d = {"full_name": "Анна-Мария O'Brien", "date_of_birth": "1980-05-17", "doc_type": "passport",
         "doc_number": doc_number(), "doc_expiry": "2035-01-31", "address": "Lindenstraße 5",
         "phone": "+49 30 1234567", "email": "anna@example.com", "nominee_name": "", "nominee_relation": "",
         "nominee_phone": "", "co_holder_name": "", "language": "en", "payment_preference": "monthly", "notes": ""}
    d.update(over)
    return d


@pytest.fixture(scope="module")
def admin(stack, login):
    return login("admin", stack.creds["admin"])


@pytest.fixture(scope="module")
def login(stack):
    def do(user, password):
        s = requests.Session()
        r = s.get(stack.base + "/admin/login")
        r = s.post(stack.base + "/admin/login", data={"_csrf": csrf_of(r.text), "username": user, "password": password},
                   allow_redirects=False)
        assert r.status_code == 303, (user, r.status_code)
        return s
    return do


def make_vault_site(stack, sizes=("S", "S", "M", "M", "L"), charging=(3,)):
    """A fresh vault site with one bank; cells numbered from 1 (charging
    ones by number).  Returns (site_id, {label: cell_id})."""
    name = uniq("Vault ")
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'UTC', 'EUR', 'en', 1)",
              name)
    site = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    stack.sql("INSERT INTO banks (site_id, name) VALUES (%s, 'Room')", site)
    bank = int(one(stack, "SELECT id FROM banks WHERE site_id = %s", site))
    cells = {}
    for i, size in enumerate(sizes, 1):
        label = f"V{i:02d}"
        stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm,"
                  " features) VALUES (%s, %s, %s, %s, %s, 400, 200, 500, %s)",
                  bank, site, i, label, size, "charging" if i in charging else "")
        cells[label] = int(one(stack, "SELECT id FROM cells WHERE bank_id = %s AND label = %s", bank, label))
    return site, cells


def set_plans(stack, s, site, prices):
    """prices: {(size, period): (price, deposit)} as typed."""
    data = {}
    for (size, period), (price, deposit) in prices.items():
        data[f"price_{size}_{period}"] = price
        data[f"deposit_{size}_{period}"] = deposit
    return post_form(stack, s, f"/admin/sites/{site}/plans", f"/admin/sites/{site}/plans", data)


def create_customer(stack, s, site, **over):
    r = post_form(stack, s, "/admin/customers/new", "/admin/customers", {"site_id": str(site), **person(**over)})
    assert r.status_code == 303, r.text[:2000]
    return int(re.search(r"/admin/customers/(\d+)", r.headers["Location"]).group(1))


def contract_page(stack, s, cid, size="S", period="monthly", features=()):
    r = s.get(stack.base + f"/admin/customers/{cid}/contracts/new",
              params={"size": size, "period": period, "features": list(features)})
    assert r.status_code == 200, r.text[:500]
    return r.text


def form_key(page):
    m = re.search(r'name="idem_key" value="([^"]+)"', page)
    assert m, "no idem_key on the page"
    return m.group(1)


def create_contract(stack, s, cid, cell, size="S", period="monthly", starts_on="", key=None):
    page = contract_page(stack, s, cid, size, period)
    data = {"_csrf": csrf_of(page), "idem_key": key or form_key(page), "size": size, "period": period,
            "cell_id": str(cell), "starts_on": starts_on}
    return s.post(stack.base + f"/admin/customers/{cid}/contracts", data=data, allow_redirects=False)


def contract_id(r):
    assert r.status_code == 303, r.text[:2000]
    return int(re.search(r"/admin/contracts/(\d+)", r.headers["Location"]).group(1))


@pytest.fixture(scope="module")
def vault(stack, admin):
    site, cells = make_vault_site(stack)
    r = set_plans(stack, admin, site, {("S", "monthly"): ("30.00", "50.00"), ("M", "monthly"): ("45", "75"),
                                       ("L", "monthly"): ("70.00", "100.00"), ("S", "yearly"): ("300.00", "50.00")})
    assert r.status_code == 303, r.text[:1000]
    return site, cells


# ---------------------------------------------------------------- customers


def test_customers_create_show_search_and_audit(stack, admin, vault):
    site, _ = vault
    doc = doc_number()
    cid = create_customer(stack, admin, site, full_name="Иван Петрович Сидоров", doc_number=doc,
                          phone="+7 (495) 123-45-67", email="ivan@example.com")
    assert text(stack, "SELECT HEX(full_name) FROM customers WHERE id = %s", cid) == "Иван Петрович Сидоров"
    assert one(stack, "SELECT source FROM customers WHERE id = %s", cid) == "staff"
    page = admin.get(stack.base + f"/admin/customers/{cid}").text
    assert "Иван Петрович Сидоров" in page and doc in page
    assert f'href="/admin/customers/{cid}/account"' in page and f'href="/admin/customers/{cid}/statement"' in page
    assert f'/admin/visits?customer={cid}' in page
    for q in ("Петрович", "495) 123", "ivan@example", doc):
        listing = admin.get(stack.base + "/admin/customers", params={"q": q}).text
        assert f'href="/admin/customers/{cid}"' in listing, q
    listing = admin.get(stack.base + "/admin/customers", params={"q": "no such person " + uniq()}).text
    assert f'href="/admin/customers/{cid}"' not in listing
    # LIKE wildcards typed by the clerk are literal.
    listing = admin.get(stack.base + "/admin/customers", params={"q": "%"}).text
    assert f'href="/admin/customers/{cid}"' not in listing
    detail = one(stack, "SELECT detail FROM audit_log WHERE action = 'customer.create' AND object_id = %s", cid)
    assert doc not in detail and "ivan" not in detail



def test_customer_search_takes_like_characters_literally(stack, admin, vault):
    site, _ = vault
    tag = uniq("lk")
    odd = new_customer(stack, site, "Odd " + tag)
    plain = new_customer(stack, site, "Plain " + tag)
    stack.sql("UPDATE customers SET email = %s WHERE id = %s", f"{tag}%b!c_d@example.org", odd)
    stack.sql("UPDATE customers SET email = %s WHERE id = %s", f"{tag}xbxcxd@example.org", plain)
    for q, want in ((f"{tag}%b!c_d", [odd]), ("%b!c_", [odd]), ("!", [odd]), (f"{tag}_b", []), (tag, [odd, plain])):
        listing = admin.get(stack.base + "/admin/customers", params={"q": q}).text
        found = [c for c in (odd, plain) if f'href="/admin/customers/{c}"' in listing]
        assert found == want, (q, found)

def test_customers_list_pages_and_filters_by_site(stack, admin, vault):
    site, _ = vault
    other, _ = make_vault_site(stack, sizes=("S",))
    tag = uniq("Pager")
    values = ", ".join(f"({site if i < 53 else other}, '{tag} {i:03d}', '1970-01-01', 'passport', '{tag}{i:03d}',"
                       f" '2040-01-01', '+49301234{i:03d}')" for i in range(55))
    stack.sql("INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry, phone)"
              " VALUES " + values)
    first = admin.get(stack.base + "/admin/customers", params={"q": tag}).text
    assert first.count(f"{tag} ") == 50
    assert "page=2" in first
    second = admin.get(stack.base + "/admin/customers", params={"q": tag, "page": "2"}).text
    assert second.count(f"{tag} ") == 5 and f"{tag} 054" in second
    only = admin.get(stack.base + "/admin/customers", params={"q": tag, "site": str(other)}).text
    assert only.count(f"{tag} ") == 2


BAD_FIELDS = [
    ("full_name", "", "This is required."),
    ("full_name", "Anna1", "Use letters, spaces"),
    ("full_name", "<script>alert(1)</script>", "Use letters, spaces"),
    ("full_name", "A" * 161, "Use letters, spaces"),
    ("date_of_birth", "1980-02-30", "Enter a real date"),
    ("date_of_birth", "17.05.1980", "Enter a real date"),
    ("date_of_birth", "2999-01-01", "Enter a real date"),
    ("date_of_birth", "TOO_YOUNG", "at least 18 years"),
    ("doc_type", "visa", "Pick a document type"),
    ("doc_number", "12", "Use 5 to 20 letters"),
    ("doc_number", "1' OR '1'='1", "Use 5 to 20 letters"),
    ("doc_expiry", "2020-01-01", "The document has expired."),
    ("doc_expiry", "soon", "Enter a real date"),
    ("phone", "12ab", "Enter a phone number"),
    ("phone", "123", "Enter a phone number"),
    ("email", "anna@", "Enter an e-mail address"),
    ("email", "<script>@x.de", "Enter an e-mail address"),
    ("nominee_name", "N0minee", "Use letters, spaces"),
    ("nominee_phone", "call me", "Enter a phone number"),
    ("co_holder_name", "Robert'); DROP TABLE customers;--", "Use letters, spaces"),
    ("language", "klingon", "Pick a language"),
    ("payment_preference", "weekly", "Pick monthly or yearly."),
    ("notes", "x" * 1001, "This is too long."),
    ("address", "y" * 256, "This is too long."),
    ("address", "line\x1b[31m red", "This value is not valid."),
]


@pytest.mark.parametrize("field,value,message", BAD_FIELDS)
def test_customers_bad_field_changes_nothing(stack, admin, vault, field, value, message):
    site, _ = vault
    if value == "TOO_YOUNG":
        today = datetime.date.today()
        value = f"{today.year - 17:04d}-01-01"
    before = count(stack, "SELECT COUNT(*) FROM customers")
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers",
                  {"site_id": str(site), **person(**{field: value})})
    assert r.status_code == 422, (field, value, r.status_code)
    assert message in html.unescape(r.text), (field, r.text[:3000])
    assert 'aria-invalid="true"' in r.text
    assert count(stack, "SELECT COUNT(*) FROM customers") == before


def test_customers_contact_required_and_site_checks(stack, admin, vault):
    site, _ = vault
    before = count(stack, "SELECT COUNT(*) FROM customers")
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers",
                  {"site_id": str(site), **person(phone="", email="")})
    assert r.status_code == 422 and "Give a phone number or an e-mail address." in r.text
    # Only a phone, or only an e-mail, is enough.
    create_customer(stack, admin, site, email="")
    create_customer(stack, admin, site, phone="")
    # A site without the vault module, or no site at all, is refused.
    nonvault = int(one(stack, "SELECT id FROM sites WHERE mod_vault = 0 ORDER BY id LIMIT 1"))
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers", {"site_id": str(nonvault), **person()})
    assert r.status_code == 422
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers", {"site_id": "", **person()})
    assert r.status_code == 422
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers", {"site_id": "999999", **person()})
    assert r.status_code == 422     # an all-sites admin: the site simply does not exist
    assert count(stack, "SELECT COUNT(*) FROM customers") == before + 2


def test_customers_duplicate_document_is_refused(stack, admin, vault):
    site, _ = vault
    doc = doc_number()
    create_customer(stack, admin, site, doc_number=doc)
    r = post_form(stack, admin, "/admin/customers/new", "/admin/customers",
                  {"site_id": str(site), **person(doc_number=doc, full_name="Other Person")})
    assert r.status_code == 422
    assert "already registered at this site" in r.text
    assert count(stack, "SELECT COUNT(*) FROM customers WHERE doc_number = %s", doc) == 1
    # The same document on another site is another customer.
    other, _ = make_vault_site(stack, sizes=("S",))
    create_customer(stack, admin, other, doc_number=doc)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_customers_payloads_are_stored_verbatim_and_shown_escaped(stack, admin, vault, payload):
    site, _ = vault
    cid = create_customer(stack, admin, site, notes=payload, address=payload, nominee_relation=payload[:64])
    for col in ("notes", "address"):
        assert text(stack, f"SELECT HEX({col}) FROM customers WHERE id = %s", cid) == payload
    page = admin.get(stack.base + f"/admin/customers/{cid}").text
    assert "<script>alert(1)</script>" not in page and '" onmouseover="alert(1)' not in page
    assert payload in html.unescape(page)
    edit = admin.get(stack.base + f"/admin/customers/{cid}/edit").text
    assert "<script>alert(1)</script>" not in edit and '" onmouseover="alert(1)' not in edit
    assert count(stack, "SELECT COUNT(*) FROM customers") > 0   # the table is still there


def test_customers_edit(stack, admin, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    data = person(phone="+49 40 7654321")
    data["doc_number"] = one(stack, "SELECT doc_number FROM customers WHERE id = %s", cid)
    r = post_form(stack, admin, f"/admin/customers/{cid}/edit", f"/admin/customers/{cid}/edit", data)
    assert r.status_code == 303, r.text[:2000]
    assert one(stack, "SELECT phone FROM customers WHERE id = %s", cid) == "+49 40 7654321"
    detail = one(stack, "SELECT detail FROM audit_log WHERE action = 'customer.update' AND object_id = %s", cid)
    assert detail == '{"fields": ["phone"]}' or detail == '{"fields":["phone"]}'
    r = post_form(stack, admin, f"/admin/customers/{cid}/edit", f"/admin/customers/{cid}/edit",
                  {**data, "email": "not an e-mail", "phone": "+1 555 000 0000"})
    assert r.status_code == 422 and "Enter an e-mail address" in r.text
    assert one(stack, "SELECT phone FROM customers WHERE id = %s", cid) == "+49 40 7654321"
    # Another customer's document number cannot be taken over.
    other = create_customer(stack, admin, site)
    r = post_form(stack, admin, f"/admin/customers/{other}/edit", f"/admin/customers/{other}/edit", data)
    assert r.status_code == 422 and "already registered" in r.text


def test_customers_consents(stack, admin, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    page = f"/admin/customers/{cid}"
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "biometric", "action": "record"})
    assert r.status_code == 303
    assert count(stack, "SELECT COUNT(*) FROM customer_consents WHERE customer_id = %s AND kind = 'biometric'"
                        " AND withdrawn_at IS NULL", cid) == 1
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "biometric", "action": "withdraw"})
    assert r.status_code == 303
    assert count(stack, "SELECT COUNT(*) FROM customer_consents WHERE customer_id = %s AND withdrawn_at IS NULL",
                 cid) == 0
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE object_type = 'customer' AND object_id = %s"
                        " AND action LIKE 'customer.consent%%'", cid) == 2
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "everything", "action": "record"})
    assert r.status_code == 400


# ---------------------------------------------------------------- photo


def photos_dir(stack):
    return os.path.join(stack.var, "uploads", "photos")


def upload(stack, s, cid, content, name="p.png", ctype="image/png"):
    page = s.get(stack.base + f"/admin/customers/{cid}").text
    return s.post(stack.base + f"/admin/customers/{cid}/photo", data={"_csrf": csrf_of(page)},
                  files={"photo": (name, content, ctype)}, allow_redirects=False)


def test_customers_photo_upload_and_serving(stack, admin, login, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    assert admin.get(stack.base + f"/admin/customers/{cid}/photo").status_code == 404
    r = upload(stack, admin, cid, PNG)
    assert r.status_code == 303, r.text[:1000]
    first = one(stack, "SELECT photo_file FROM customers WHERE id = %s", cid)
    assert one(stack, "SELECT photo_type FROM customers WHERE id = %s", cid) == "image/png"
    assert os.path.exists(os.path.join(photos_dir(stack), first))
    r = admin.get(stack.base + f"/admin/customers/{cid}/photo")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in r.headers["Cache-Control"]
    assert f'src="/admin/customers/{cid}/photo"' in admin.get(stack.base + f"/admin/customers/{cid}").text
    # Replacing it stores the new type and removes the old file.
    r = upload(stack, admin, cid, JPEG, "p.jpg", "image/jpeg")
    assert r.status_code == 303
    second = one(stack, "SELECT photo_file FROM customers WHERE id = %s", cid)
    assert second != first and not os.path.exists(os.path.join(photos_dir(stack), first))
    assert admin.get(stack.base + f"/admin/customers/{cid}/photo").headers["Content-Type"] == "image/jpeg"
    # Not logged in: the log-in page, never the picture.
    r = requests.get(stack.base + f"/admin/customers/{cid}/photo", allow_redirects=False)
    assert r.status_code in (302, 303) and r.content != JPEG
    # Staff of another site: not found.
    other, _ = make_vault_site(stack, sizes=("S",))
    name, pw = new_user(stack, admin, "operator", sites=[other])
    outsider = login(name, pw)
    assert outsider.get(stack.base + f"/admin/customers/{cid}/photo").status_code == 404


@pytest.mark.parametrize("content,name,ctype", [
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "p.gif", "image/gif"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "p.svg", "image/svg+xml"),
    (b"<html><script>alert(1)</script></html>", "p.png", "image/png"),   # lies about its type
    (b"", "p.png", "image/png"),
])
def test_customers_photo_bad_type_is_refused(stack, admin, vault, content, name, ctype):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    r = upload(stack, admin, cid, content, name, ctype)
    assert r.status_code == 422, r.status_code
    assert "JPEG, PNG or WebP" in r.text or "This is required." in r.text
    assert one(stack, "SELECT photo_file FROM customers WHERE id = %s", cid) == "NULL"


def test_customers_photo_oversize_is_refused(stack, admin, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    # Within the upload limit of the stack (8 MB) but over the photo's 2 MB.
    r = upload(stack, admin, cid, PNG + b"\x00" * (2 << 20))
    assert r.status_code == 422 and "The photo is too large." in r.text
    # Over the upload limit itself: the request is refused before any handler.
    r = upload(stack, admin, cid, PNG + b"\x00" * (9 << 20))
    assert r.status_code == 413
    assert one(stack, "SELECT photo_file FROM customers WHERE id = %s", cid) == "NULL"
    # Exactly at the photo limit is fine.
    r = upload(stack, admin, cid, PNG + b"\x00" * ((2 << 20) - len(PNG)))
    assert r.status_code == 303


# ---------------------------------------------------------------- plans


def test_customers_plans_form(stack, admin):
    site, _ = make_vault_site(stack, sizes=("S",))
    r = set_plans(stack, admin, site, {("S", "monthly"): ("30.00", "50"), ("XL", "yearly"): ("1 100,00", "")})
    assert r.status_code == 303, r.text[:1000]
    rows = stack.sql("SELECT size_class, period, price, deposit, active FROM plans WHERE site_id = %s"
                     " ORDER BY size_class, period", site)
    assert rows == [["S", "monthly", "3000", "5000", "1"], ["XL", "yearly", "110000", "0", "1"]]
    page = admin.get(stack.base + f"/admin/sites/{site}/plans").text
    assert 'value="30.00"' in page and 'value="1100.00"' in page
    for bad in ("-5", "abc", "1.234", "<script>", "99999999999999999999"):
        r = set_plans(stack, admin, site, {("S", "monthly"): (bad, "50"), ("M", "monthly"): ("45", "75")})
        assert r.status_code == 422, bad
        assert "Enter a price such as 30.00" in r.text
        assert count(stack, "SELECT COUNT(*) FROM plans WHERE site_id = %s", site) == 2, bad
    r = set_plans(stack, admin, site, {("S", "monthly"): ("30", "-1")})
    assert r.status_code == 422 and "Enter a deposit" in r.text
    # An empty price withdraws the plan.
    r = set_plans(stack, admin, site, {("XL", "yearly"): ("1100", "")})
    assert r.status_code == 303
    assert one(stack, "SELECT active FROM plans WHERE site_id = %s AND size_class = 'S'", site) == "0"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.save' AND site_id = %s", site) == 3


# ---------------------------------------------------------------- contracts


def journals(stack, contract):
    return stack.sql("SELECT kind, idem_key, amount, IFNULL(method, '') FROM ledger_journals WHERE contract_id = %s"
                     " ORDER BY id", contract)


def balance(stack, cid):
    rows = stack.sql("SELECT balance FROM ledger_accounts WHERE customer_id = %s", cid)
    return int(rows[0][0]) if rows else 0


def test_customers_contract_proposal_orders_smallest_first(stack, admin, vault):
    site, cells = vault
    cid = create_customer(stack, admin, site)
    page = contract_page(stack, admin, cid, "M")
    labels = re.findall(r'<label for="cell-\d+">(V\d+)</label>', page)
    assert labels[:2] == ["V03", "V04"] and "V01" not in labels and "V05" in labels
    page = contract_page(stack, admin, cid, "S", features=["charging"])
    labels = re.findall(r'<label for="cell-\d+">(V\d+)</label>', page)
    assert labels == ["V03"]
    assert "45.00" in page     # the M monthly plan price is shown


def test_customers_contract_lifecycle(stack, admin, vault):
    site, cells = vault
    cid = create_customer(stack, admin, site)
    page = contract_page(stack, admin, cid, "S")
    key = form_key(page)
    r = create_contract(stack, admin, cid, cells["V01"], starts_on="2026-04-15", key=key)
    k = contract_id(r)
    assert one(stack, "SELECT CONCAT(state, ' ', price, ' ', deposit, ' ', currency, ' ', starts_on) FROM contracts"
                      " WHERE id = %s", k) == "active 3000 5000 EUR 2026-04-15"
    assert one(stack, "SELECT status FROM cells WHERE id = %s", cells["V01"]) == "occupied"
    # Deposit and the first rent in advance: 16 of 30 April days of 30.00.
    assert journals(stack, k) == [["deposit", f"{key}:deposit", "5000", ""],
                                  ["charge", f"rent:{k}:2026-04-15", "1600", ""]]
    assert balance(stack, cid) == 6600
    assert "66.00" in admin.get(stack.base + f"/admin/customers/{cid}").text
    doc = one(stack, "SELECT doc_number FROM customers WHERE id = %s", cid)
    listing = admin.get(stack.base + "/admin/customers", params={"q": doc}).text
    assert re.search(r"due\s+66\.00", listing), listing[-3000:]
    assert count(stack, "SELECT COUNT(*) FROM contract_events WHERE contract_id = %s AND event = 'created'", k) == 1
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.create' AND object_id = %s", k) == 1

    # A double submit of the same form creates nothing more.
    r = create_contract(stack, admin, cid, cells["V01"], starts_on="2026-04-15", key=key)
    assert contract_id(r) == k and "already_done" in r.headers["Location"]
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE customer_id = %s", cid) == 1
    assert balance(stack, cid) == 6600

    # A price change leaves the running contract's price alone.
    r = set_plans(stack, admin, site, {("S", "monthly"): ("35.00", "50.00"), ("M", "monthly"): ("45", "75"),
                                       ("L", "monthly"): ("70.00", "100.00"), ("S", "yearly"): ("300.00", "50.00")})
    assert r.status_code == 303
    assert one(stack, "SELECT price FROM contracts WHERE id = %s", k) == "3000"
    page = admin.get(stack.base + f"/admin/contracts/{k}").text
    assert "30.00" in page and "35.00" in page

    # Suspend needs a reason; resume brings it back.
    r = post_form(stack, admin, f"/admin/contracts/{k}", f"/admin/contracts/{k}/suspend",
                  {"action": "suspend", "reason": ""})
    assert r.status_code == 422
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k) == "active"
    r = post_form(stack, admin, f"/admin/contracts/{k}", f"/admin/contracts/{k}/suspend",
                  {"action": "suspend", "reason": "Arrears <b>2 months</b>"})
    assert r.status_code == 303
    assert one(stack, "SELECT CONCAT(state, '|', state_reason) FROM contracts WHERE id = %s", k) == \
        "suspended|Arrears <b>2 months</b>"
    page = admin.get(stack.base + f"/admin/contracts/{k}").text
    assert "<b>2 months</b>" not in page and "&lt;b&gt;2 months&lt;/b&gt;" in page
    r = post_form(stack, admin, f"/admin/contracts/{k}", f"/admin/contracts/{k}/suspend",
                  {"action": "suspend", "reason": "again"})
    assert r.status_code == 422
    r = post_form(stack, admin, f"/admin/contracts/{k}", f"/admin/contracts/{k}/suspend", {"action": "resume"})
    assert r.status_code == 303
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k) == "active"
    assert [e[0] for e in stack.sql("SELECT event FROM contract_events WHERE contract_id = %s ORDER BY id", k)] == \
        ["created", "suspended", "resumed"]

    # Closing unpaid: the whole deposit goes against the 66.00 due, nothing is refunded.
    page = admin.get(stack.base + f"/admin/contracts/{k}/close").text
    assert "Rent already charged in advance is not refunded." in page
    assert "50.00" in page
    r = admin.post(stack.base + f"/admin/contracts/{k}/close",
                   data={"_csrf": csrf_of(page), "idem_key": form_key(page), "ends_on": "2026-04-30"},
                   allow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert one(stack, "SELECT CONCAT(state, ' ', ends_on, ' ', closed_at IS NOT NULL) FROM contracts WHERE id = %s",
               k) == "closed 2026-04-30 1"
    assert one(stack, "SELECT status FROM cells WHERE id = %s", cells["V01"]) == "free"
    j = journals(stack, k)
    assert [x[0] for x in j] == ["deposit", "charge", "deposit_offset"] and j[2][2] == "5000"
    assert balance(stack, cid) == 1600
    # Closing twice does nothing more.
    r = admin.post(stack.base + f"/admin/contracts/{k}/close",
                   data={"_csrf": csrf_of(page), "idem_key": form_key(page), "ends_on": "2026-04-30"},
                   allow_redirects=False)
    assert r.status_code == 303 and "already_closed" in r.headers["Location"]
    assert len(journals(stack, k)) == 3


def pay(stack, s, cid, amount):
    page = s.get(stack.base + f"/admin/customers/{cid}/account").text
    m = re.search(r'name="idem" value="([^"]+)"', page)
    assert m, "no payment form on the account page"
    r = s.post(stack.base + f"/admin/customers/{cid}/payments",
               data={"_csrf": csrf_of(page), "idem": m.group(1), "amount": amount, "method": "cash",
                     "reference": "", "received_on": datetime.date.today().isoformat()}, allow_redirects=False)
    assert r.status_code == 303, r.text[:1000]


def test_customers_close_refunds_a_paid_deposit(stack, admin, vault):
    site, cells = vault
    cid = create_customer(stack, admin, site)
    k = contract_id(create_contract(stack, admin, cid, cells["V05"], size="L", starts_on="2026-03-01"))
    assert journals(stack, k)[1][2] == "7000"       # started on the 1st: a full month
    pay(stack, admin, cid, "170.00")
    assert balance(stack, cid) == 0
    page = admin.get(stack.base + f"/admin/contracts/{k}/close").text
    assert "100.00" in page
    data = {"_csrf": csrf_of(page), "idem_key": form_key(page), "ends_on": ""}
    r = admin.post(stack.base + f"/admin/contracts/{k}/close", data=data, allow_redirects=False)
    assert r.status_code == 422 and "Pick cash, card or bank transfer" in r.text
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k) == "active"
    r = admin.post(stack.base + f"/admin/contracts/{k}/close", data={**data, "method": "bank_transfer"},
                   allow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    j = journals(stack, k)
    assert [x[0] for x in j] == ["deposit", "charge", "deposit_refund", "refund"]
    assert j[2][2] == "10000" and j[3][2] == "10000" and j[3][3] == "bank_transfer"
    assert balance(stack, cid) == 0
    assert one(stack, "SELECT status FROM cells WHERE id = %s", cells["V05"]) == "free"


def test_customers_contract_errors(stack, admin, vault):
    site, cells = vault
    cid = create_customer(stack, admin, site)
    # No yearly plan for M: refused, nothing changes.
    r = create_contract(stack, admin, cid, cells["V04"], size="M", period="yearly")
    assert r.status_code == 422 and "no active plan" in r.text
    assert one(stack, "SELECT status FROM cells WHERE id = %s", cells["V04"]) == "free"
    # Another site's cell reads as unknown.
    other, ocells = make_vault_site(stack, sizes=("S",))
    r = create_contract(stack, admin, cid, ocells["V01"])
    assert r.status_code == 422
    assert one(stack, "SELECT status FROM cells WHERE id = %s", ocells["V01"]) == "free"
    # A forged form key is refused.
    page = contract_page(stack, admin, cid)
    r = admin.post(stack.base + f"/admin/customers/{cid}/contracts",
                   data={"_csrf": csrf_of(page), "idem_key": "rent:1:2026-01-01", "size": "S", "period": "monthly",
                         "cell_id": str(cells["V02"])}, allow_redirects=False)
    assert r.status_code == 400
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE customer_id = %s", cid) == 0


def test_customers_two_clerks_same_cell(stack, admin, login, vault):
    site, cells = make_vault_site(stack, sizes=("S", "S"))
    set_plans(stack, admin, site, {("S", "monthly"): ("30.00", "50.00")})
    name, pw = new_user(stack, admin, "operator")
    clerks = [admin, login(name, pw)]
    cids = [create_customer(stack, admin, site) for _ in clerks]
    forms = []
    for s, cid in zip(clerks, cids):
        page = contract_page(stack, s, cid)
        forms.append({"_csrf": csrf_of(page), "idem_key": form_key(page), "size": "S", "period": "monthly",
                      "cell_id": str(cells["V01"])})
    results = [None, None]
    barrier = threading.Barrier(2)

    def go(i):
        barrier.wait()
        results[i] = clerks[i].post(stack.base + f"/admin/customers/{cids[i]}/contracts", data=forms[i],
                                    allow_redirects=False)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [303, 422], codes
    loser = next(r for r in results if r.status_code == 422)
    assert "This cell has just been taken by someone else." in loser.text
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE cell_id = %s", cells["V01"]) == 1
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id IN (%s, %s)", *cids) == 2


# ---------------------------------------------------------------- scope, roles, CSRF


def test_customers_other_site_is_not_found(stack, admin, login, vault):
    site, cells = vault
    cid = create_customer(stack, admin, site)
    k = contract_id(create_contract(stack, admin, cid, cells["V02"]))
    other, _ = make_vault_site(stack, sizes=("S",))
    name, pw = new_user(stack, admin, "operator", sites=[other])
    s = login(name, pw)
    for path in (f"/admin/customers/{cid}", f"/admin/customers/{cid}/edit", f"/admin/customers/{cid}/photo",
                 f"/admin/customers/{cid}/contracts/new", f"/admin/contracts/{k}", f"/admin/contracts/{k}/close",
                 f"/admin/sites/{site}/plans"):
        assert s.get(stack.base + path, allow_redirects=False).status_code == 404, path
    csrf = csrf_of(s.get(stack.base + "/admin/customers").text)
    for path, data in ((f"/admin/customers/{cid}/edit", person()),
                       (f"/admin/customers/{cid}/consents", {"kind": "terms", "action": "record"}),
                       (f"/admin/contracts/{k}/suspend", {"action": "suspend", "reason": "x"}),
                       ("/admin/customers", {"site_id": str(site), **person()})):
        assert s.post(stack.base + path, data={"_csrf": csrf, **data}, allow_redirects=False).status_code == 404, path
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k) == "active"
    assert f'href="/admin/customers/{cid}"' not in s.get(stack.base + "/admin/customers").text


def test_customers_roles(stack, admin, login, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    for role in ("cashier", "auditor"):
        name, pw = new_user(stack, admin, role)
        s = login(name, pw)
        assert s.get(stack.base + "/admin/customers").status_code == 200, role
        assert s.get(stack.base + f"/admin/customers/{cid}").status_code == 200, role
        for path in ("/admin/customers/new", f"/admin/customers/{cid}/edit", f"/admin/customers/{cid}/contracts/new"):
            assert s.get(stack.base + path, allow_redirects=False).status_code == 403, (role, path)
        csrf = csrf_of(s.get(stack.base + "/admin/customers").text)
        before = count(stack, "SELECT COUNT(*) FROM customers")
        for path, data in (("/admin/customers", {"site_id": str(site), **person()}),
                           (f"/admin/customers/{cid}/edit", person()),
                           (f"/admin/sites/{site}/plans", {"price_S_monthly": "1"})):
            assert s.post(stack.base + path, data={"_csrf": csrf, **data}, allow_redirects=False).status_code == 403
        assert count(stack, "SELECT COUNT(*) FROM customers") == before
        page = s.get(stack.base + f"/admin/customers/{cid}").text
        assert "/admin/customers/%d/edit" % cid not in page
    # An operator manages customers but not plans.
    name, pw = new_user(stack, admin, "operator")
    s = login(name, pw)
    assert s.get(stack.base + "/admin/customers/new").status_code == 200
    r = post_form(stack, s, f"/admin/sites/{site}/plans", f"/admin/sites/{site}/plans", {"price_S_monthly": "1"})
    assert r.status_code == 403
    assert one(stack, "SELECT price FROM plans WHERE site_id = %s AND size_class = 'S' AND period = 'monthly'",
               site) != "100"


def test_customers_csrf(stack, admin, vault):
    site, _ = vault
    cid = create_customer(stack, admin, site)
    before = count(stack, "SELECT COUNT(*) FROM customers")
    for path, data in (("/admin/customers", {"site_id": str(site), **person()}),
                       (f"/admin/customers/{cid}/edit", person(phone="+1 555 111 2222")),
                       (f"/admin/customers/{cid}/consents", {"kind": "terms", "action": "record"})):
        for token in (None, "forged-token"):
            d = dict(data)
            if token:
                d["_csrf"] = token
            r = admin.post(stack.base + path, data=d, allow_redirects=False)
            assert r.status_code == 403, (path, token, r.status_code)
    assert count(stack, "SELECT COUNT(*) FROM customers") == before
    assert one(stack, "SELECT phone FROM customers WHERE id = %s", cid) != "+1 555 111 2222"
    assert count(stack, "SELECT COUNT(*) FROM customer_consents WHERE customer_id = %s", cid) == 0


def test_customers_demo_data(stack):
    vault = one(stack, "SELECT id FROM sites WHERE name = 'Central Vault'")
    assert stack.sql("SELECT size_class, period, price, deposit FROM plans WHERE site_id = %s AND size_class = 'S'"
                     " ORDER BY period", vault) == [["S", "monthly", "3000", "5000"], ["S", "yearly", "30000", "5000"]]
    assert count(stack, "SELECT COUNT(*) FROM plans WHERE site_id = %s AND active = 1", vault) == 8
    assert text(stack, "SELECT HEX(full_name) FROM customers WHERE site_id = %s AND doc_number = '45 12 345678'",
                vault) == "Иван Петров"
    assert text(stack, "SELECT HEX(address) FROM customers WHERE doc_number = 'C01X00T47'") == "Lindenstraße 5, Berlin"
