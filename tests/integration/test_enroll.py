"""Tablet self-enrollment against the real stack: tablets and pairing codes
in the back office, pairing a device (good, wrong, expired, reused codes,
throttling), the four-step form with its validation, the final submit and
its hourly limit, and the review: edit, approve into a customer with
consents and a contract exactly once, reject, scoping and roles."""
import datetime
import html
import json
import re
import uuid

import pytest
import requests

from helpers import csrf_of, uniq, one, count, post_form

PAYLOADS = [
    "Robert'); DROP TABLE customers;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
]

GOOD = {
    "full_name": "Anna Schmidt",
    "date_of_birth": "1980-05-17",
    "doc_type": "passport",
    "doc_number": "C01X00T47",
    "doc_expiry": "2035-01-31",
    "address": "12 Linden Road, Berlin",
    "phone": "+49 30 1234567",
    "email": "anna@example.org",
    "nominee_name": "Peter Schmidt",
    "nominee_relation": "Brother",
    "nominee_phone": "+49 30 7654321",
    "size_class": "M",
    "period": "monthly",
    "features": "charging",
    "consent_terms": "1",
    "consent_privacy": "1",
    "consent_biometric": "1",
    "consent_marketing": "",
}


def doc_number():
    return "D" + uuid.uuid4().hex[:8].upper()


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


def make_site(stack, languages="en,ru", sizes=(("S", 3, ""), ("M", 2, "charging"), ("L", 1, ""))):
    """A vault site with one bank of cells and monthly/yearly plans for S, M and L."""
    name = uniq("Vault ")
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'Europe/Berlin', 'EUR', %s, 1)",
              name, languages)
    site = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    stack.sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, 'Room A', 6)", site)
    bank = int(one(stack, "SELECT id FROM banks WHERE site_id = %s", site))
    n = 0
    for size, k, feats in sizes:
        for _ in range(k):
            n += 1
            stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm,"
                      " features) VALUES (%s, %s, %s, %s, %s, 300, 150, 500, %s)", bank, site, n, f"A-{n:02d}", size, feats)
    prices = {"S": 3000, "M": 4500, "L": 7000}
    for size, price in prices.items():
        stack.sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES"
                  " (%s, %s, 'monthly', %s, 5000), (%s, %s, 'yearly', %s, 5000)",
                  site, size, price, site, size, price * 10)
    return site


@pytest.fixture(scope="module")
def site(stack):
    return make_site(stack)


def create_tablet(stack, s, site_id, name=None):
    """Creates a tablet through the form; returns (tablet id, pairing code, page)."""
    name = name or uniq("Tablet ")
    r = post_form(stack, s, f"/admin/sites/{site_id}/tablets", f"/admin/sites/{site_id}/tablets", {"name": name})
    assert r.status_code == 200, r.text[:500]
    m = re.search(r'id="pairing-code">([^<]+)<', r.text)
    assert m, r.text[:2000]
    tid = int(one(stack, "SELECT id FROM tablets WHERE site_id = %s AND name = %s", site_id, name))
    return tid, m.group(1), r


def pair(stack, code):
    """A new device that types code; returns (session, response)."""
    d = requests.Session()
    r = d.get(stack.base + "/enroll/?lang=en")
    assert r.status_code == 200
    return d, d.post(stack.base + "/enroll/pair", data={"_csrf": csrf_of(r.text), "code": code}, allow_redirects=False)


@pytest.fixture
def device(stack, admin, site):
    """A freshly paired tablet of the module's site: (session, tablet id)."""
    tid, code, _ = create_tablet(stack, admin, site)
    d, r = pair(stack, code)
    assert r.status_code == 303, r.text[:500]
    return d, tid


def csrf(stack, d):
    return csrf_of(d.get(stack.base + "/enroll/").text)


def step(stack, d, step_no, data, nav="next", lang=None):
    url = stack.base + "/enroll/step" + (f"?lang={lang}" if lang else "")
    return d.post(url, data={"_csrf": csrf(stack, d), "step": str(step_no), "nav": nav, **data}, allow_redirects=False)


def submit(stack, d, data):
    return d.post(stack.base + "/enroll/submit", data={"_csrf": csrf(stack, d), "nav": "submit", **data},
                  allow_redirects=False)


def good(**over):
    d = dict(GOOD, doc_number=doc_number())
    d.update(over)
    return d


def requests_of(stack, tablet_id):
    return count(stack, "SELECT COUNT(*) FROM enrollment_requests WHERE tablet_id = %s", tablet_id)


def field_error(page, name):
    m = re.search(r'<span class="field-error" id="err-%s">([^<]*)</span>' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def assert_escaped(payload, page):
    """The payload is on the page as text, never as markup."""
    if any(c in payload for c in '<>"'):
        assert payload not in page
    assert payload in html.unescape(page)
    assert "<script>alert(1)</script>" not in page


def submitted_request(stack, d, tid, **over):
    data = good(**over)
    r = submit(stack, d, data)
    assert r.status_code == 303 and r.headers["Location"] == "/enroll/thanks", r.text[:1500]
    rid = int(one(stack, "SELECT MAX(id) FROM enrollment_requests WHERE tablet_id = %s", tid))
    return rid, data


# ---------- pairing ----------

def test_unpaired_device_sees_only_the_pairing_screen(stack):
    d = requests.Session()
    r = d.get(stack.base + "/enroll/?lang=en")
    assert r.status_code == 200
    assert 'action="/enroll/pair"' in r.text and 'action="/enroll/step"' not in r.text
    for path in ("/enroll/step", "/enroll/submit"):
        r = d.post(stack.base + path, data={"_csrf": csrf_of(r.text), "step": "1", "nav": "next", **good()},
                   allow_redirects=False)
        assert r.status_code == 401 and 'action="/enroll/pair"' in r.text
    r = d.get(stack.base + "/enroll/thanks", allow_redirects=False)
    assert 'action="/enroll/pair"' in r.text


def test_tablet_code_is_shown_once_stored_hashed_and_pairs_once(stack, admin, site):
    tid, code, page = create_tablet(stack, admin, site)
    assert re.fullmatch(r"[34679ACDEFGHJKMNPQRTUVWXY]{8}", code)
    assert "The tablet was created." in page.text
    row = stack.sql("SELECT pairing_code_hash, pairing_expires_at > UTC_TIMESTAMP(6),"
                    " pairing_expires_at <= UTC_TIMESTAMP(6) + INTERVAL 15 MINUTE, token_hash FROM tablets WHERE id = %s", tid)[0]
    assert re.fullmatch(r"[0-9a-f]{64}", row[0]) and code not in row[0] and code.lower() not in row[0]
    assert row[1:] == ["1", "1", "NULL"]
    assert code not in admin.get(f"{stack.base}/admin/sites/{site}/tablets").text
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'tablet.create' AND object_id = %s", tid) == 1

    # Typed in lower case with a space, as people do.
    d, r = pair(stack, code[:4].lower() + " " + code[4:])
    assert r.status_code == 303 and r.headers["Location"] == "/enroll/"
    cookie = [h for h in r.raw.headers.getlist("Set-Cookie") if h.startswith("sr_tablet=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/enroll/" in cookie
    token = d.cookies.get("sr_tablet")
    row = stack.sql("SELECT pairing_code_hash, token_hash, paired_at IS NOT NULL FROM tablets WHERE id = %s", tid)[0]
    assert row[0] == "NULL" and re.fullmatch(r"[0-9a-f]{64}", row[1]) and token not in row[1] and row[2] == "1"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'tablet.pair' AND actor_type = 'device'"
                        " AND object_id = %s", tid) == 1
    r = d.get(stack.base + "/enroll/")
    assert 'action="/enroll/step"' in r.text and 'name="full_name"' in r.text
    listing = admin.get(f"{stack.base}/admin/sites/{site}/tablets").text
    assert re.search(rf'data-tablet="{tid}">.*?Paired', listing, re.S)

    # The code is spent.
    _, r = pair(stack, code)
    assert r.status_code == 422 and "not valid" in r.text


def test_wrong_and_expired_codes_are_refused(stack, admin, site):
    tid, code, _ = create_tablet(stack, admin, site)
    for bad in ("", "AAAA", "34679ACX", "<script>", "' OR '1'='1"):
        d, r = pair(stack, bad)
        assert r.status_code == 422 and 'id="pair-error"' in r.text and "<script>" not in r.text.split("<main>")[1]
        assert "sr_tablet" not in d.cookies
    stack.sql("UPDATE tablets SET pairing_expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %s", tid)
    _, r = pair(stack, code)
    assert r.status_code == 422
    assert one(stack, "SELECT token_hash FROM tablets WHERE id = %s", tid) == "NULL"
    stack.sql("DELETE FROM login_throttle WHERE subject LIKE 'pair:%%'")


def test_wrong_codes_are_throttled_per_address(stack, admin, site):
    stack.sql("DELETE FROM login_throttle WHERE subject LIKE 'pair:%%'")
    tid, code, _ = create_tablet(stack, admin, site)
    try:
        for _ in range(10):
            _, r = pair(stack, "9999-9999")
            assert r.status_code == 422
        # Locked now: even the right code waits.
        _, r = pair(stack, code)
        assert r.status_code == 429 and "Too many wrong codes" in r.text
        assert one(stack, "SELECT token_hash FROM tablets WHERE id = %s", tid) == "NULL"
    finally:
        stack.sql("DELETE FROM login_throttle WHERE subject LIKE 'pair:%%'")
    _, r = pair(stack, code)
    assert r.status_code == 303


def test_revoked_tablet_goes_back_to_pairing(stack, admin, site, device):
    d, tid = device
    assert 'action="/enroll/step"' in d.get(stack.base + "/enroll/").text
    r = post_form(stack, admin, f"/admin/sites/{site}/tablets", f"/admin/tablets/{tid}/revoke", {})
    assert r.status_code == 303
    assert one(stack, "SELECT token_hash FROM tablets WHERE id = %s", tid) == "NULL"
    r = d.get(stack.base + "/enroll/")
    assert 'action="/enroll/pair"' in r.text and 'action="/enroll/step"' not in r.text
    before = requests_of(stack, tid)
    r = d.post(stack.base + "/enroll/submit", data={"_csrf": "x", **good()}, allow_redirects=False)
    assert r.status_code == 401
    assert requests_of(stack, tid) == before
    # A revoked tablet gets no new code.
    r = post_form(stack, admin, f"/admin/sites/{site}/tablets", f"/admin/tablets/{tid}/pairing", {})
    assert r.status_code == 409 and 'id="pairing-code"' not in r.text
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'tablet.revoke' AND object_id = %s", tid) == 1


def test_new_pairing_code_replaces_the_old_device(stack, admin, site, device):
    d, tid = device
    r = post_form(stack, admin, f"/admin/sites/{site}/tablets", f"/admin/tablets/{tid}/pairing", {})
    assert r.status_code == 200
    code = re.search(r'id="pairing-code">([^<]+)<', r.text).group(1)
    # Until the new code is used, the old device keeps working.
    assert 'action="/enroll/step"' in d.get(stack.base + "/enroll/").text
    d2, r = pair(stack, code)
    assert r.status_code == 303
    assert 'action="/enroll/step"' in d2.get(stack.base + "/enroll/").text
    assert 'action="/enroll/pair"' in d.get(stack.base + "/enroll/").text


def test_device_reaches_nothing_else(stack, device):
    d, _ = device
    for path in ("/admin/", "/admin/enrollments", "/admin/enrollments/count", "/admin/customers"):
        r = d.get(stack.base + path, allow_redirects=False)
        # The log-in page (or, for a page that does not exist yet, 404): never the page itself.
        assert r.status_code in (303, 404), path
        if r.status_code == 303:
            assert "/admin/login" in r.headers["Location"], path
    for path in ("/enroll/customers", "/enroll/enrollments/1", "/enroll/tablets"):
        assert d.get(stack.base + path, allow_redirects=False).status_code == 404, path
    # The tablet token is no staff session, whatever cookie name it is sent under.
    r = requests.get(stack.base + "/admin/", cookies={"sr_session": d.cookies.get("sr_tablet")}, allow_redirects=False)
    assert r.status_code == 303


def test_wrong_csrf_is_refused(stack, device):
    d, tid = device
    before = requests_of(stack, tid)
    for path in ("/enroll/step", "/enroll/submit"):
        r = d.post(stack.base + path, data={"_csrf": "forged", "step": "1", "nav": "next", **good()}, allow_redirects=False)
        assert r.status_code == 403, path
        r = d.post(stack.base + path, data={"step": "1", "nav": "next", **good()}, allow_redirects=False)
        assert r.status_code == 403, path
    r = requests.post(stack.base + "/enroll/pair", data={"code": "34679ACD"}, allow_redirects=False)
    assert r.status_code == 403
    assert requests_of(stack, tid) == before


# ---------- the steps ----------

STEP1_BAD = [
    ("full_name", "", "fill this in"),
    ("full_name", "A", "Use letters"),
    ("full_name", "x" * 161, "Use letters"),
    ("date_of_birth", "", "fill this in"),
    ("date_of_birth", "17.05.1980", "YYYY-MM-DD"),
    ("date_of_birth", "1980-02-30", "YYYY-MM-DD"),
    ("doc_type", "", "fill this in"),
    ("doc_type", "library_card", "document type"),
    ("doc_number", "", "fill this in"),
    ("doc_number", "12", "document number"),
    ("doc_expiry", "2035-13-01", "YYYY-MM-DD"),
    ("phone", "call me", "phone number"),
    ("email", "not-an-address", "e-mail"),
    ("nominee_phone", "12", "phone number"),
]


@pytest.mark.parametrize("name,value,message", STEP1_BAD)
def test_step1_refuses_bad_values_and_keeps_what_was_typed(stack, device, name, value, message):
    d, tid = device
    data = good(**{name: value})
    r = step(stack, d, 1, data)
    assert r.status_code == 422, r.text[:500]
    msg = field_error(r.text, name)
    assert msg and message.lower() in msg.lower(), (name, msg)
    assert 'name="step" value="1"' in r.text
    # Everything typed comes back (escaped), nothing was stored.
    if name != "doc_type":
        assert f'value="{html.escape(data["full_name"])}"' in r.text
    assert requests_of(stack, tid) == 0


def test_step1_checks_age_document_expiry_and_contact(stack, device):
    d, _ = device
    young = (datetime.date.today() - datetime.timedelta(days=365 * 10)).isoformat()
    r = step(stack, d, 1, good(date_of_birth=young))
    assert r.status_code == 422 and field_error(r.text, "date_of_birth")
    r = step(stack, d, 1, good(doc_expiry="2020-01-01"))
    assert r.status_code == 422 and field_error(r.text, "doc_expiry")
    r = step(stack, d, 1, good(phone="", email=""))
    assert r.status_code == 422 and (field_error(r.text, "phone") or field_error(r.text, "email"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_names_are_refused_and_echoed_escaped(stack, device, payload):
    d, tid = device
    r = step(stack, d, 1, good(full_name=payload))
    assert r.status_code == 422 and field_error(r.text, "full_name")
    assert_escaped(payload, r.text)
    assert requests_of(stack, tid) == 0


FREE_TEXT = ("address", "nominee_relation")
FORMATTED = ("full_name", "date_of_birth", "doc_number", "doc_expiry", "phone", "email", "nominee_name", "nominee_phone")


@pytest.mark.parametrize("name", FREE_TEXT + FORMATTED)
def test_script_payload_in_every_step1_field(stack, device, name):
    d, tid = device
    payload = "<script>alert(1)</script>\" onmouseover=\"x"
    r = step(stack, d, 1, good(**{name: payload}))
    if name in FREE_TEXT:
        # Free text is kept as typed and carried escaped to the next step.
        assert r.status_code == 200 and 'name="step" value="2"' in r.text
    else:
        assert r.status_code == 422 and field_error(r.text, name)
    assert_escaped(payload, r.text)
    assert requests_of(stack, tid) == 0


def test_step2_and_step3_validation(stack, device):
    d, tid = device
    for over, fieldname in (({"size_class": ""}, "size_class"), ({"size_class": "XXL"}, "size_class"),
                            ({"period": "weekly"}, "period"), ({"period": ""}, "period"),
                            ({"features": "jacuzzi"}, "features")):
        r = step(stack, d, 2, good(**over))
        assert r.status_code == 422 and field_error(r.text, fieldname), over
        assert 'name="step" value="2"' in r.text
    for over, fieldname in (({"consent_terms": ""}, "consent_terms"), ({"consent_privacy": "0"}, "consent_privacy")):
        r = step(stack, d, 3, good(**over))
        assert r.status_code == 422 and field_error(r.text, fieldname), over
    # Optional consents may be left out.
    r = step(stack, d, 3, good(consent_biometric="", consent_marketing=""))
    assert r.status_code == 200 and 'name="step" value="4"' in r.text
    assert requests_of(stack, tid) == 0


def test_steps_show_sizes_prices_and_consent_version(stack, device):
    d, _ = device
    r = step(stack, d, 1, good())
    assert r.status_code == 200 and 'name="step" value="2"' in r.text
    # Step 1's values travel as hidden fields.
    assert '<input type="hidden" name="full_name" value="Anna Schmidt">' in r.text
    for size in ("S", "M", "L"):
        assert f'id="size-{size}"' in r.text
    assert 'id="size-XL"' not in r.text           # no plan for XL at this site
    assert "45.00" in r.text and "450.00" in r.text
    r = step(stack, d, 2, good())
    assert 'id="consent-version">2026-01<' in r.text
    r = step(stack, d, 3, good())
    assert 'name="step" value="4"' in r.text and 'formaction="/enroll/submit"' in r.text
    for n in (1, 2, 3):
        assert f'name="nav" value="edit{n}"' in r.text
    assert "Anna Schmidt" in r.text and "Brother" in r.text
    # "Edit" goes back to a step with everything kept.
    r = step(stack, d, 4, good(), nav="edit2")
    assert 'name="step" value="2"' in r.text and re.search(r'id="size-M" value="M" required checked', r.text)
    r = step(stack, d, 2, good(), nav="back")
    assert 'name="step" value="1"' in r.text and 'value="Peter Schmidt"' in r.text


def test_language_switch_keeps_what_was_typed(stack, device):
    d, _ = device
    r = step(stack, d, 1, good(full_name="Иван Петров"), nav="lang", lang="ru")
    assert r.status_code == 200 and 'lang="ru"' in r.text
    assert "Личные данные" in r.text and 'value="Иван Петров"' in r.text and 'name="step" value="1"' in r.text
    assert "ru" == d.cookies.get("sr_lang")
    r = step(stack, d, 1, good(full_name="Иван Петров"))
    assert r.status_code == 200 and "Ячейка и тариф" in r.text
    d.get(stack.base + "/enroll/?lang=en")


def test_only_the_sites_languages_are_offered(stack, admin):
    site_en = make_site(stack, languages="en")
    tid, code, _ = create_tablet(stack, admin, site_en)
    d, r = pair(stack, code)
    r = d.get(stack.base + "/enroll/?lang=ru")
    assert 'lang="en"' in r.text and 'data-lang="ru"' not in r.text


def test_full_submission_stores_one_request_only_at_the_end(stack, device, site):
    d, tid = device
    data = good(address="<b>12</b> Linden Road; DROP TABLE x;--")
    for n in (1, 2, 3):
        r = step(stack, d, n, data)
        assert r.status_code == 200 and f'name="step" value="{n + 1}"' in r.text
        assert requests_of(stack, tid) == 0
    assert_escaped(data["address"], r.text)
    r = submit(stack, d, data)
    assert r.status_code == 303 and r.headers["Location"] == "/enroll/thanks"
    rows = stack.sql("SELECT id, site_id, state, full_name, HEX(address), doc_type, doc_number, size_class, features,"
                     " payment_preference, consent_terms, consent_privacy, consent_biometric, consent_marketing, language"
                     " FROM enrollment_requests WHERE tablet_id = %s", tid)
    assert len(rows) == 1
    rid, site_id, state, name, addr, dt, dn, size, feats, period, ct, cp, cb, cm, lang = rows[0]
    assert (int(site_id), state, name, dt, dn, size, feats, period) == \
        (site, "pending", "Anna Schmidt", "passport", data["doc_number"], "M", "charging", "monthly")
    assert bytes.fromhex(addr).decode() == data["address"]
    assert (ct, cp, cb, cm, lang) == ("2026-01", "2026-01", "2026-01", "", "en")
    audit = stack.sql("SELECT actor_type, actor_id, site_id FROM audit_log WHERE action = 'enrollment.submit'"
                      " AND object_id = %s", rid)
    assert audit == [["device", str(tid), str(site)]]
    r = d.get(stack.base + "/enroll/thanks")
    assert r.status_code == 200 and 'id="thanks"' in r.text
    assert r.headers["Refresh"].startswith("8; url=/enroll/?lang=en") and 'http-equiv="refresh"' in r.text


def test_submit_checks_everything_again(stack, device):
    d, tid = device
    for over, fieldname, step_no in (({"date_of_birth": "1980-02-31"}, "date_of_birth", "1"),
                                     ({"size_class": "Z"}, "size_class", "2"),
                                     ({"consent_privacy": ""}, "consent_privacy", "3")):
        r = submit(stack, d, good(**over))
        assert r.status_code == 422 and field_error(r.text, fieldname)
        assert f'name="step" value="{step_no}"' in r.text
    assert requests_of(stack, tid) == 0


def test_hourly_limit_per_tablet(stack, device, site):
    d, tid = device
    # Nineteen earlier requests within the hour (written directly), and one older one that no longer counts.
    for i in range(19):
        stack.sql("INSERT INTO enrollment_requests (site_id, tablet_id, full_name, date_of_birth, doc_type, doc_number,"
                  " doc_expiry, size_class, consent_terms, consent_privacy) VALUES (%s, %s, 'Earlier', '1980-01-01',"
                  " 'passport', %s, '2035-01-01', 'S', '2026-01', '2026-01')", site, tid, f"E{i:06d}")
    stack.sql("INSERT INTO enrollment_requests (site_id, tablet_id, full_name, date_of_birth, doc_type, doc_number,"
              " doc_expiry, size_class, consent_terms, consent_privacy, submitted_at) VALUES (%s, %s, 'Old', '1980-01-01',"
              " 'passport', 'OLD0001', '2035-01-01', 'S', '2026-01', '2026-01', UTC_TIMESTAMP(6) - INTERVAL 2 HOUR)", site, tid)
    r = submit(stack, d, good())
    assert r.status_code == 303
    assert requests_of(stack, tid) == 21
    r = submit(stack, d, good())
    assert r.status_code == 429 and 'id="refused"' in r.text and "ask at the desk" in r.text
    assert requests_of(stack, tid) == 21
    stack.sql("DELETE FROM enrollment_requests WHERE tablet_id = %s AND state = 'pending'", tid)


def test_oversize_body_is_refused(stack, device):
    d, tid = device
    r = d.post(stack.base + "/enroll/submit", data={"_csrf": csrf(stack, d), **good(address="x" * (1 << 21))},
               allow_redirects=False)
    assert r.status_code == 413
    assert requests_of(stack, tid) == 0


# ---------- back-office review ----------

def pending(stack, s):
    r = s.get(stack.base + "/admin/enrollments/count")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return json.loads(r.text)["pending"]


def test_counter_and_badge(stack, admin, device):
    d, tid = device
    before = pending(stack, admin)
    assert before == count(stack, "SELECT COUNT(*) FROM enrollment_requests WHERE state = 'pending'")
    submitted_request(stack, d, tid)
    assert pending(stack, admin) == before + 1
    page = admin.get(stack.base + "/admin/").text
    assert re.search(r'id="enrollment-count" data-poll="/admin/enrollments/count">%d</span>' % (before + 1), page)
    listing = admin.get(stack.base + "/admin/enrollments").text
    assert "Anna Schmidt" in listing


def test_approve_creates_customer_consents_and_contract_once(stack, admin, device, site):
    d, tid = device
    rid, data = submitted_request(stack, d, tid)
    page = admin.get(f"{stack.base}/admin/enrollments/{rid}").text
    cells = re.findall(r'name="cell_id" value="(\d+)"', page)
    assert cells, page[:3000]
    # Only cells that fit: M or larger with a charging socket.
    for cid in cells:
        size, feats, cell_site = stack.sql("SELECT size_class, features, site_id FROM cells WHERE id = %s", cid)[0]
        assert size in ("M", "L", "XL") and "charging" in feats and int(cell_site) == site
    chosen = cells[-1]
    customers_before = count(stack, "SELECT COUNT(*) FROM customers")
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/approve", {"cell_id": chosen})
    assert r.status_code == 303, r.text[:2000]
    state, cust, contract = stack.sql("SELECT state, customer_id, contract_id FROM enrollment_requests WHERE id = %s", rid)[0]
    assert state == "approved" and cust != "NULL" and contract != "NULL"
    row = stack.sql("SELECT site_id, full_name, doc_number, source FROM customers WHERE id = %s", cust)[0]
    assert row == [str(site), "Anna Schmidt", data["doc_number"], "tablet"]
    kinds = sorted(r[0] for r in stack.sql("SELECT kind FROM customer_consents WHERE customer_id = %s"
                                           " AND withdrawn_at IS NULL", cust))
    assert kinds == ["biometric", "privacy", "terms"]
    crow = stack.sql("SELECT customer_id, cell_id, period, state FROM contracts WHERE id = %s", contract)[0]
    assert crow == [cust, chosen, "monthly", "active"]
    assert one(stack, "SELECT status FROM cells WHERE id = %s", chosen) == "occupied"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'enrollment.approve' AND object_id = %s", rid) == 1
    assert count(stack, "SELECT COUNT(*) FROM customers") == customers_before + 1
    page = admin.get(f"{stack.base}/admin/enrollments/{rid}?done=enrollment_approved").text
    assert f'href="/admin/customers/{cust}"' in page

    # A second approval (a double click, a second clerk) changes nothing.
    csrf_token = csrf_of(admin.get(stack.base + "/admin/enrollments").text)
    r = admin.post(f"{stack.base}/admin/enrollments/{rid}/approve", data={"_csrf": csrf_token}, allow_redirects=False)
    assert r.status_code == 409 and "decided already" in r.text
    assert count(stack, "SELECT COUNT(*) FROM customers") == customers_before + 1
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE customer_id = %s", cust) == 1
    r = admin.post(f"{stack.base}/admin/enrollments/{rid}/reject", data={"_csrf": csrf_token, "reason": "late"},
                   allow_redirects=False)
    assert r.status_code == 409
    assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "approved"


def test_approve_without_fitting_cell_writes_nothing(stack, admin, device, site):
    d, tid = device
    # Refrigerated lockers do not exist at this site.
    rid, _ = submitted_request(stack, d, tid, features="refrigerated")
    page = admin.get(f"{stack.base}/admin/enrollments/{rid}").text
    assert 'id="no-cells"' in page and 'name="cell_id"' not in page
    before = count(stack, "SELECT COUNT(*) FROM customers")
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/approve", {})
    assert r.status_code == 422 and 'class="flash error"' in r.text
    assert count(stack, "SELECT COUNT(*) FROM customers") == before
    assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "pending"
    # A cell of another site is never let.
    other = make_site(stack)
    foreign = one(stack, "SELECT MIN(id) FROM cells WHERE site_id = %s", other)
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/approve", {"cell_id": foreign})
    assert r.status_code == 422
    assert one(stack, "SELECT status FROM cells WHERE id = %s", foreign) == "free"
    assert count(stack, "SELECT COUNT(*) FROM customers") == before


def test_approve_without_plan_writes_nothing(stack, admin, device, site):
    d, tid = device
    rid, _ = submitted_request(stack, d, tid, size_class="L", features="", period="yearly")
    stack.sql("UPDATE plans SET active = 0 WHERE site_id = %s AND size_class = 'L' AND period = 'yearly'", site)
    try:
        before = count(stack, "SELECT COUNT(*) FROM customers")
        r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/approve", {})
        assert r.status_code == 422
        assert count(stack, "SELECT COUNT(*) FROM customers") == before
        assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "pending"
    finally:
        stack.sql("UPDATE plans SET active = 1 WHERE site_id = %s AND size_class = 'L' AND period = 'yearly'", site)


def test_reject_needs_a_reason_and_decides_once(stack, admin, device):
    d, tid = device
    rid, _ = submitted_request(stack, d, tid)
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/reject", {"reason": "  "})
    assert r.status_code == 422
    assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "pending"
    reason = "<script>alert(1)</script> document photo unreadable"
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/reject", {"reason": reason})
    assert r.status_code == 303
    assert stack.sql("SELECT state, reject_reason, reviewed_by IS NOT NULL FROM enrollment_requests WHERE id = %s",
                     rid)[0] == ["rejected", reason, "1"]
    page = admin.get(f"{stack.base}/admin/enrollments/{rid}").text
    assert_escaped(reason, page)
    csrf_token = csrf_of(page)
    before = count(stack, "SELECT COUNT(*) FROM customers")
    r = admin.post(f"{stack.base}/admin/enrollments/{rid}/approve", data={"_csrf": csrf_token}, allow_redirects=False)
    assert r.status_code == 409
    assert count(stack, "SELECT COUNT(*) FROM customers") == before


def test_staff_edit_is_validated(stack, admin, device):
    d, tid = device
    rid, data = submitted_request(stack, d, tid)
    edit = dict(data)
    edit.pop("consent_terms")
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/edit",
                  dict(edit, phone="not a phone"))
    assert r.status_code == 422 and 'value="not a phone"' in r.text
    assert one(stack, "SELECT phone FROM enrollment_requests WHERE id = %s", rid) == data["phone"]
    r = post_form(stack, admin, f"/admin/enrollments/{rid}", f"/admin/enrollments/{rid}/edit",
                  dict(edit, full_name="Anna Maria Schmidt", size_class="L", features=""))
    assert r.status_code == 303
    assert stack.sql("SELECT full_name, size_class, features, consent_terms FROM enrollment_requests WHERE id = %s",
                     rid)[0] == ["Anna Maria Schmidt", "L", "", "2026-01"]
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'enrollment.update' AND object_id = %s", rid) == 1


def test_other_sites_and_roles(stack, admin, login, device, site):
    d, tid = device
    rid, _ = submitted_request(stack, d, tid)
    other = make_site(stack)
    # An operator of another site sees nothing of this one.
    name, pw = uniq("op_"), "pw-" + uuid.uuid4().hex
    r = post_form(stack, admin, "/admin/users/new", "/admin/users",
                  {"username": name, "display_name": "", "role": "operator", "password": pw, "sites": [str(other)],
                   "active": "1"})
    assert r.status_code == 303, r.text[:500]
    op = login(name, pw)
    assert op.get(f"{stack.base}/admin/enrollments/{rid}").status_code == 404
    assert f"/admin/enrollments/{rid}" not in op.get(stack.base + "/admin/enrollments").text
    token = csrf_of(op.get(stack.base + "/admin/enrollments").text)
    for action in ("approve", "reject", "edit"):
        r = op.post(f"{stack.base}/admin/enrollments/{rid}/{action}", data={"_csrf": token, "reason": "x", **good()},
                    allow_redirects=False)
        assert r.status_code == 404, action
    assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "pending"
    assert pending(stack, op) == count(stack, "SELECT COUNT(*) FROM enrollment_requests WHERE state = 'pending'"
                                              " AND site_id = %s", other)
    # Operators review but do not manage tablets.
    assert op.get(f"{stack.base}/admin/sites/{other}/tablets").status_code == 403
    assert op.post(f"{stack.base}/admin/tablets/{tid}/revoke", data={"_csrf": token}).status_code == 403
    # An administrator limited to the other site gets 404 for this site's tablets.
    name2, pw2 = uniq("ad_"), "pw-" + uuid.uuid4().hex
    r = post_form(stack, admin, "/admin/users/new", "/admin/users",
                  {"username": name2, "display_name": "", "role": "admin", "password": pw2, "sites": [str(other)],
                   "active": "1"})
    assert r.status_code == 303
    ad = login(name2, pw2)
    assert ad.get(f"{stack.base}/admin/sites/{site}/tablets").status_code == 404
    token = csrf_of(ad.get(stack.base + "/admin/enrollments").text)
    for path in (f"/admin/tablets/{tid}/revoke", f"/admin/tablets/{tid}/pairing", f"/admin/sites/{site}/tablets"):
        assert ad.post(stack.base + path, data={"_csrf": token, "name": "x"}, allow_redirects=False).status_code == 404
    assert one(stack, "SELECT revoked_at FROM tablets WHERE id = %s", tid) == "NULL"
    # Cashiers do not review enrollments; wrong CSRF is refused.
    cashier = login("cashier", stack.creds["cashier"]) if "cashier" in stack.creds else None
    if cashier:
        assert cashier.get(stack.base + "/admin/enrollments").status_code == 403
    r = admin.post(f"{stack.base}/admin/enrollments/{rid}/approve", data={"_csrf": "forged"}, allow_redirects=False)
    assert r.status_code == 403
    r = admin.post(f"{stack.base}/admin/sites/{site}/tablets", data={"_csrf": "forged", "name": "x"}, allow_redirects=False)
    assert r.status_code == 403
    assert one(stack, "SELECT state FROM enrollment_requests WHERE id = %s", rid) == "pending"


def test_tablet_name_validation_and_payloads(stack, admin, site):
    r = post_form(stack, admin, f"/admin/sites/{site}/tablets", f"/admin/sites/{site}/tablets", {"name": "  "})
    assert r.status_code == 422 and 'id="pairing-code"' not in r.text
    r = post_form(stack, admin, f"/admin/sites/{site}/tablets", f"/admin/sites/{site}/tablets", {"name": "x" * 121})
    assert r.status_code == 422
    for payload in PAYLOADS:
        tid, _, page = create_tablet(stack, admin, site, name=payload)
        assert_escaped(payload, page.text)
        assert one(stack, "SELECT name FROM tablets WHERE id = %s", tid) == payload
