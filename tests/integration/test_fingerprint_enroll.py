"""Fingerprint enrollment in the back office against the real stack: the
stack's fingerd (reader "desk", the demo vault site) with libfprint's
virtual_image reader, fed with the NIST prints by the test each time the
reader asks for the finger.  The live answer (one JSON object a line) and
the page without JavaScript, what is stored (sealed, bound to its owner,
audited), re-enrollment, refusals that never reach the reader, a busy
reader, fingerd down, cancelling by hanging up, and deletion: one finger,
all of them when the biometric consent is withdrawn or the last contract
closes."""
import base64
import json
import os
import re
import threading
import time
import uuid

import pytest
import requests

from boards_rig import wait_for
from daemon_rig import stack_daemon_held
from finger_rig import open_template, site_key
from fingerprint_desk import Desk, consented_customer, follow
from helpers import count, csrf_of, new_user, one, post_form
from test_api_vault import Vault

NDJSON = "application/x-ndjson"
FINGER_INDEX = {"right-thumb": 1, "right-index": 2, "right-middle": 3, "left-index": 7}


@pytest.fixture(scope="module")
def desk(stack):
    d = Desk(stack)
    d.wait_idle()
    yield d
    d.finger.close()


@pytest.fixture(scope="module")
def admin(stack):
    return log_in(stack, "admin", stack.creds["admin"])


def log_in(stack, user, password):
    s = requests.Session()
    r = s.get(stack.base + "/admin/login")
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf_of(r.text), "username": user, "password": password},
               allow_redirects=False)
    assert r.status_code == 303, (user, r.status_code)
    return s


def enroll_page(stack, s, cid, lang=None):
    r = s.get(stack.base + f"/admin/customers/{cid}/fingerprints/enroll", params={"lang": lang} if lang else None)
    assert r.status_code == 200, r.text[:500]
    return r.text


def start(stack, s, cid, finger="right-index", lang=None, csrf=None):
    """Posts the enrollment as the page's script does; the response streams."""
    data = {"finger": finger}
    data["_csrf"] = csrf if csrf is not None else csrf_of(enroll_page(stack, s, cid))
    headers = {"Accept": NDJSON}
    if lang:
        headers["Accept-Language"] = lang
    return s.post(stack.base + f"/admin/customers/{cid}/fingerprints", data=data, headers=headers, stream=True,
                  timeout=(5, 60), allow_redirects=False)


def enroll(stack, s, desk, cid, finger="right-index", image="whorl", lang=None):
    lines, final = follow(start(stack, s, cid, finger, lang), desk, [image] * 5)
    assert final["ok"] is True, final
    return lines, final


def outcome(html):
    m = re.search(r'id="fp-outcome" data-outcome="([^"]+)"[^>]*>(.*?)</p>', html, re.S)
    assert m, html[:2000]
    return m.group(1), re.sub(r"<[^>]+>", "", m.group(2))


def rows(stack, cid):
    return stack.sql("SELECT id, finger, driver, device_id, enrolled_by, enrolled_at FROM fingerprint_templates"
                     " WHERE customer_id = %s ORDER BY id", cid)


def audit(stack, cid, action):
    return [json.loads(d) for (d,) in stack.sql("SELECT detail FROM audit_log WHERE object_type = 'customer'"
                                                " AND object_id = %s AND action = %s ORDER BY id", cid, action)]


def blob(stack, tid):
    return bytes.fromhex(one(stack, "SELECT HEX(template) FROM fingerprint_templates WHERE id = %s", tid))


def expected_progress(n=5):
    out = [("started", f"Enrollment started: the reader takes the finger {n} times.")]
    for k in range(1, n + 1):
        out += [("scan", f"Place the finger on the reader (scan {k} of {n})."), ("stage", f"Stage {k} of {n} captured.")]
    return out


# ---------------------------------------------------------------- enrollment

def test_enroll_streams_every_stage_and_stores_the_sealed_template(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    r = start(stack, admin, cid)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    lines, final = follow(r, desk, ["whorl"] * 5)
    assert [(m["event"], m["text"]) for m in lines] == expected_progress()
    assert [(m.get("stage"), m.get("of")) for m in lines if m["event"] == "stage"] == [(k, 5) for k in range(1, 6)]
    assert set(final) == {"ok", "html"} and final["ok"] is True
    assert outcome(final["html"]) == ("enrolled", "Fingerprint enrolled: Right index finger")

    (tid, finger, driver, device, by, _), = rows(stack, cid)
    assert (finger, driver, device) == ("right-index", "virtual_image", "0")
    assert by == one(stack, "SELECT id FROM staff_users WHERE username = 'admin'")
    box = blob(stack, int(tid))
    # Sealed: neither the plaintext header nor libfprint's serialization is
    # in the row, and only the site key opens it, bound to its owner.
    assert not box.startswith(b"SRFP1") and b"SRFP1" not in box
    site, customer, index, print_bytes = open_template(site_key(stack.var), base64.b64encode(box))
    assert (site, customer, index) == (desk.site, cid, FINGER_INDEX["right-index"])
    assert len(print_bytes) > 1000 and print_bytes[:64] not in box
    # Audited without the template; the template never went to the browser.
    d, = audit(stack, cid, "fingerprint.enroll")
    assert d == {"template_id": int(tid), "finger": "right-index", "driver": "virtual_image", "device": "0"}
    assert base64.b64encode(box).decode()[:40] not in json.dumps(final)
    # The customer page lists it, in the site's time, by whom.
    page = admin.get(stack.base + f"/admin/customers/{cid}").text
    listed = re.search(r'<tr id="fp-%s" data-finger="right-index">(.*?)</tr>' % tid, page, re.S)
    assert listed and "Right index finger" in listed.group(1) and "virtual_image" in listed.group(1)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", listed.group(1))
    assert "Administrator" in listed.group(1) or "admin" in listed.group(1)
    desk.wait_idle(5)


def test_enroll_texts_follow_the_language(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    lines, final = enroll(stack, admin, desk, cid, "left-index", lang="ru")
    texts = [m["text"] for m in lines]
    assert texts[0] == "Регистрация началась: сканер снимет палец 5 раз."
    assert texts[1] == "Приложите палец к сканеру (снимок 1 из 5)." and texts[2] == "Этап 1 из 5 снят."
    assert outcome(final["html"]) == ("enrolled", "Отпечаток зарегистрирован: Указательный палец левой руки")


def test_retry_is_passed_on_with_its_words(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    lines, final = follow(start(stack, admin, cid), desk, [("retry", "too_short"), "whorl", "whorl", "whorl", "whorl",
                                                          "whorl"])
    retries = [m for m in lines if m["event"] == "retry"]
    assert [(m["code"], m["text"]) for m in retries] == [("too_short", "Finger swiped too short, try again.")]
    assert final["ok"] is True and count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s",
                                         cid) == 1


def test_reenrolling_a_finger_replaces_its_row(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    enroll(stack, admin, desk, cid, "right-thumb", "arch")
    (old_id, _, _, _, _, old_at), = rows(stack, cid)
    page = enroll_page(stack, admin, cid)
    assert re.search(r'value="right-thumb"[^>]*> Right thumb <small class="tag">enrolled: re-enrolling replaces it',
                     page)
    time.sleep(0.01)
    enroll(stack, admin, desk, cid, "right-thumb", "whorl")
    (new_id, finger, _, _, _, new_at), = rows(stack, cid)
    assert finger == "right-thumb" and int(new_id) != int(old_id) and new_at > old_at
    assert audit(stack, cid, "fingerprint.enroll")[-1]["replaced"] == int(old_id)
    site, customer, index, _ = open_template(site_key(stack.var), base64.b64encode(blob(stack, int(new_id))))
    assert (site, customer, index) == (desk.site, cid, FINGER_INDEX["right-thumb"])


def test_enroll_without_javascript_waits_and_renders_the_page(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    csrf = csrf_of(enroll_page(stack, admin, cid))

    def place():
        # Nothing tells this client when the reader asks: each capture takes
        # a few hundredths of a second, so a finger every 0.4 s is in time.
        wait_for("the reader to start", lambda: desk.state() == "busy", timeout=20, every=0.02)
        for _ in range(5):
            time.sleep(0.4)
            desk.finger.send("put", "loop-right")
    feeder = threading.Thread(target=place)
    feeder.start()
    r = admin.post(stack.base + f"/admin/customers/{cid}/fingerprints", data={"_csrf": csrf, "finger": "right-middle"},
                   timeout=60)
    feeder.join()
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert outcome(r.text) == ("enrolled", "Fingerprint enrolled: Right middle finger")
    assert '<tr id="fp-' in r.text and 'data-finger="right-middle"' in r.text      # the list as it now stands
    assert [x[1] for x in rows(stack, cid)] == ["right-middle"]
    desk.wait_idle(5)


# ---------------------------------------------------------------- refusals

def test_refusals_reach_neither_the_reader_nor_the_database(stack, admin, login, desk):
    """Every refusal below is decided before fingerd is asked.  One image
    waits in the virtual reader meanwhile: the enrollment after them takes
    it as its first capture and needs exactly four more, so no refused
    request read from the reader.  (The image goes on a new connection:
    the driver reads a new connection only once the reader is started,
    while an old one may still have a read pending from the last
    operation, which would swallow it.)"""
    cid = consented_customer(stack, desk.site)
    bare = consented_customer(stack, desk.site, consent=False)
    name = "FP elsewhere " + uuid.uuid4().hex[:6]
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'UTC', 'EUR', 'en', 1)",
              name)
    readerless = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    far = consented_customer(stack, readerless)
    user, pw = new_user(stack, admin, "operator", sites=[readerless])
    outsider = login(user, pw)
    cashier = login(*new_user(stack, admin, "cashier"))
    desk.wait_idle(10)
    desk.finger.close()
    desk.finger.send("put", "whorl")
    before = desk.log_size()

    def refused_line(r, status, code, words):
        assert r.status_code == status, (r.status_code, r.text[:500])
        lines, final = follow(r, desk)
        assert lines == [] and final["ok"] is False
        assert outcome(final["html"])[0] == code and words in outcome(final["html"])[1]

    for bad in ("right-toe", "", "RIGHT-INDEX", "right-index'--", "<script>alert(1)</script>"):
        refused_line(start(stack, admin, cid, bad), 422, "bad_finger", "Choose one of the ten fingers.")
    refused_line(start(stack, admin, bare), 422, "no_consent", "has not given biometric consent")
    refused_line(start(stack, admin, far), 422, "no_reader", "No fingerprint reader is configured for this site.")
    # Another site's customer does not exist for this user; no CSRF, no role: the ordinary refusals.
    r = start(stack, outsider, cid, csrf=csrf_of(enroll_page(stack, outsider, far)))
    assert r.status_code == 404 and not r.headers["Content-Type"].startswith(NDJSON)
    assert outsider.get(stack.base + f"/admin/customers/{cid}/fingerprints/enroll").status_code == 404
    r = start(stack, admin, cid, csrf="")
    assert r.status_code == 403 and "did not come from this site" in r.text
    r = start(stack, admin, cid, csrf="x" * 43)
    assert r.status_code == 403
    assert cashier.get(stack.base + f"/admin/customers/{cid}/fingerprints/enroll").status_code == 403
    r = start(stack, cashier, cid, csrf=csrf_of(cashier.get(stack.base + f"/admin/customers/{cid}").text))
    assert r.status_code == 403 and "Your role does not allow this." in r.text
    # Without JavaScript a refusal is the page, with the same words.
    page = admin.post(stack.base + f"/admin/customers/{bare}/fingerprints",
                      data={"_csrf": csrf_of(enroll_page(stack, admin, bare)), "finger": "right-index"})
    assert page.status_code == 422 and outcome(page.text)[0] == "no_consent"
    assert 'id="fp-consent-needed"' in page.text

    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id IN (%s, %s, %s)",
                 cid, bare, far) == 0
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'fingerprint.enroll' AND object_id IN"
                        " (%s, %s, %s)", cid, bare, far) == 0
    assert "enroll" not in desk.log_since(before) and desk.state() == "idle"
    # The image placed before the refusals is still waiting: the first scan
    # takes it, four more finish.
    lines, final = follow(start(stack, admin, cid), desk, [None] + ["whorl"] * 4)
    assert final["ok"] is True and [m["event"] for m in lines].count("stage") == 5, (lines, final)
    assert [x[1] for x in rows(stack, cid)] == ["right-index"]


def test_screens_and_roles(stack, admin, login, desk):
    cid = consented_customer(stack, desk.site)
    bare = consented_customer(stack, desk.site, consent=False)
    page = enroll_page(stack, admin, cid)
    assert re.search(r'id="reader-state"[^>]*data-state="ready">ready', page)
    assert page.count('type="radio" name="finger"') == 10 and 'value="right-index" checked' in page
    assert '<script src="/static/js/fingerprint.js" defer></script>' in page
    assert "data-fp-live" in page and "data-fp-cancel" in page and "<progress data-fp-progress" in page
    ru = enroll_page(stack, login("operator", stack.creds["operator"]), cid, lang="ru")
    assert "Указательный палец правой руки" in ru and "готов" in ru
    # The customer page: the section, the link to enroll, or the consent notice.
    show = admin.get(stack.base + f"/admin/customers/{cid}").text
    assert 'id="fingerprints"' in show and f'href="/admin/customers/{cid}/fingerprints/enroll"' in show
    assert 'id="fp-consent-needed"' not in show and 'id="fp-none"' in show
    show = admin.get(stack.base + f"/admin/customers/{bare}").text
    assert 'id="fp-consent-needed"' in show and "/fingerprints/enroll" not in show
    assert 'id="fp-consent-needed"' in enroll_page(stack, admin, bare)
    # A cashier sees the prints but may neither enroll nor delete.
    stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, template)"
              " VALUES (%s, %s, 'left-thumb', 'virtual_image', %s)", desk.site, cid, os.urandom(200))
    cashier = login(*new_user(stack, admin, "cashier"))
    show = cashier.get(stack.base + f"/admin/customers/{cid}").text
    assert 'data-finger="left-thumb"' in show and "/delete" not in show and "/fingerprints/enroll" not in show
    stack.sql("DELETE FROM fingerprint_templates WHERE customer_id = %s", cid)   # not a real print: not kept


# ---------------------------------------------------------------- the reader in trouble

def test_busy_reader_is_said_to_be_busy(stack, admin, login, desk):
    cid, other = consented_customer(stack, desk.site), consented_customer(stack, desk.site)
    operator = login("operator", stack.creds["operator"])
    first = start(stack, admin, cid)
    lines = first.iter_lines()
    assert json.loads(next(lines))["event"] == "started" and json.loads(next(lines))["event"] == "scan"
    assert 'data-state="busy">busy with another operation (an enrollment)' in enroll_page(stack, operator, other)
    _, final = follow(start(stack, operator, other), desk)
    assert final["ok"] is False
    assert outcome(final["html"]) == ("busy", "The reader is busy with another operation (another desk may be using"
                                              " it). Wait until it is finished and try again.")
    # The first enrollment is not disturbed.
    desk.finger.send("put", "tented_arch")
    tail = []
    for raw in lines:
        tail.append(json.loads(raw))
        if tail[-1].get("event") == "scan":
            desk.finger.send("put", "tented_arch")
    assert tail[-1]["ok"] is True and [m.get("stage") for m in tail if m.get("event") == "stage"] == [1, 2, 3, 4, 5]
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", cid) == 1
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", other) == 0
    desk.wait_idle(5)


def test_cancelling_frees_the_reader_and_stores_nothing(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    before = desk.log_size()
    r = start(stack, admin, cid)
    lines, final = follow(r, desk, ["arch", "arch"], stop=lambda m: m.get("event") == "scan" and m["stage"] == 3)
    assert final is None and [m["event"] for m in lines].count("stage") == 2
    hung_up = time.monotonic()
    # fingerd would wait its 30 s scan timeout for a client that stayed.
    wait_for("the reader to be free", lambda: desk.state() == "idle", timeout=5, every=0.05)
    assert time.monotonic() - hung_up < 5
    wait_for("fingerd to log the cancel", lambda: "cancelled" in desk.log_since(before), timeout=5)
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", cid) == 0
    assert audit(stack, cid, "fingerprint.enroll") == []
    # The reader takes the next enrollment at once.
    enroll(stack, admin, desk, cid, "right-index", "arch")


def test_reader_failure_is_said_clearly_and_the_next_try_works(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    lines, final = follow(start(stack, admin, cid), desk, ["whorl", ("error", "general")])
    assert [m["event"] for m in lines].count("stage") == 1 and final["ok"] is False
    assert outcome(final["html"]) == ("device_error", "The reader failed during the scan. Try again; if it keeps"
                                      " failing, unplug the reader and plug it back in.")
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", cid) == 0
    desk.wait_idle(10)
    enroll(stack, admin, desk, cid)


def test_fingerd_down_is_said_clearly(stack, admin, desk):
    cid = consented_customer(stack, desk.site)
    with stack_daemon_held(stack, "fingerd", timeout=20):
        page = enroll_page(stack, admin, cid)
        assert re.search(r'data-state="not_running">the fingerprint service is not running', page)
        _, final = follow(start(stack, admin, cid), desk)
        assert final["ok"] is False
        assert outcome(final["html"]) == ("not_running", "The fingerprint service (fingerd) is not running, so the"
                                          " reader cannot be used. Ask an administrator to start it.")
        r = admin.post(stack.base + f"/admin/customers/{cid}/fingerprints",
                       data={"_csrf": csrf_of(page), "finger": "right-index"}, timeout=20)
        assert r.status_code == 200 and outcome(r.text)[0] == "not_running"
        assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", cid) == 0
    desk.wait_idle(60)
    enroll(stack, admin, desk, cid)


# ---------------------------------------------------------------- deletion

def put_prints(stack, site, cid, fingers):
    """Template rows written straight to the table (deletion does not look
    inside them); on a site without a reader, so no fingerd loads them."""
    for f in fingers:
        stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, template)"
                  " VALUES (%s, %s, %s, 'virtual_image', %s)", site, cid, f, os.urandom(300))
    return {f: int(one(stack, "SELECT id FROM fingerprint_templates WHERE customer_id = %s AND finger = %s", cid, f))
            for f in fingers}


@pytest.fixture(scope="module")
def vault(stack):
    v = Vault(stack)
    return v


def vault_customer(stack, vault):
    cid = vault.customer()["id"]
    stack.sql("INSERT INTO customer_consents (customer_id, kind, text_version, source)"
              " VALUES (%s, 'biometric', '2026-01', 'staff')", cid)
    return cid


def test_delete_one_finger(stack, admin, login, vault):
    cid = vault_customer(stack, vault)
    other = vault_customer(stack, vault)
    ids = put_prints(stack, vault.site, cid, ["right-index", "left-index"])
    theirs = put_prints(stack, vault.site, other, ["right-index"])
    page = f"/admin/customers/{cid}"
    show = admin.get(stack.base + page).text
    assert f'action="/admin/customers/{cid}/fingerprints/{ids["right-index"]}/delete"' in show
    assert "data-confirm=" in show
    # Another customer's print through this customer's address: not here.
    r = post_form(stack, admin, page, f"{page}/fingerprints/{theirs['right-index']}/delete", {"reason": ""})
    assert r.status_code == 404
    r = post_form(stack, admin, page, f"{page}/fingerprints/{ids['right-index']}/delete", {"reason": "x" * 501})
    assert r.status_code == 422 and "This is too long." in r.text
    r = admin.post(stack.base + f"{page}/fingerprints/{ids['right-index']}/delete", data={"reason": "no token"},
                   allow_redirects=False)
    assert r.status_code == 403
    cashier = login(*new_user(stack, admin, "cashier"))
    r = post_form(stack, cashier, page, f"{page}/fingerprints/{ids['right-index']}/delete", {"reason": ""})
    assert r.status_code == 403
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id IN (%s, %s)", cid, other) == 3

    r = post_form(stack, admin, page, f"{page}/fingerprints/{ids['right-index']}/delete",
                  {"reason": "Injured finger <b>"})
    assert r.status_code == 303 and r.headers["Location"] == f"{page}?done=fingerprint_deleted#fingerprints"
    assert [x[1] for x in rows(stack, cid)] == ["left-index"]
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s", other) == 1
    d, = audit(stack, cid, "fingerprint.delete")
    assert d == {"template_id": ids["right-index"], "finger": "right-index", "reason": "Injured finger <b>"}
    show = admin.get(stack.base + r.headers["Location"]).text
    assert "The fingerprint was deleted." in show and 'data-finger="right-index"' not in show
    # Twice: it is gone.
    r = post_form(stack, admin, page, f"{page}/fingerprints/{ids['right-index']}/delete", {"reason": ""})
    assert r.status_code == 404


def test_withdrawing_biometric_consent_deletes_every_print(stack, admin, vault):
    cid = vault_customer(stack, vault)
    ids = put_prints(stack, vault.site, cid, ["right-thumb", "right-index", "left-index"])
    page = f"/admin/customers/{cid}"
    # Another consent changes nothing.
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "marketing", "action": "record"})
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "marketing", "action": "withdraw"})
    assert r.status_code == 303 and count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s",
                                          cid) == 3
    r = post_form(stack, admin, page, f"{page}/consents", {"kind": "biometric", "action": "withdraw"})
    assert r.status_code == 303
    assert rows(stack, cid) == []
    d, = audit(stack, cid, "fingerprint.delete")
    assert d == {"template_ids": sorted(ids.values()), "fingers": ["right-thumb", "right-index", "left-index"],
                 "reason": "consent_withdrawn"}
    # In the same transaction as the withdrawal: adjacent audit rows.
    actions = [a for (a,) in stack.sql("SELECT action FROM audit_log WHERE object_type = 'customer' AND object_id = %s"
                                       " ORDER BY id", cid)]
    assert actions[-2:] == ["fingerprint.delete", "customer.consent_withdraw"]
    show = admin.get(stack.base + page).text
    assert 'id="fp-consent-needed"' in show and 'id="fp-none"' in show


def close_contract(stack, s, k):
    page = s.get(stack.base + f"/admin/contracts/{k}/close").text
    key = re.search(r'name="idem_key" value="([^"]+)"', page).group(1)
    r = s.post(stack.base + f"/admin/contracts/{k}/close",
               data={"_csrf": csrf_of(page), "idem_key": key, "ends_on": "", "method": "cash"}, allow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["Location"], (r.status_code, r.headers, r.text[:1500])
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k) == "closed"


def test_closing_the_last_contract_deletes_the_prints(stack, admin, vault):
    cid = vault_customer(stack, vault)
    first, second = vault.contract(cid)["id"], vault.contract(cid)["id"]
    ids = put_prints(stack, vault.site, cid, ["right-index", "left-index"])
    close_contract(stack, admin, first)
    assert len(rows(stack, cid)) == 2 and audit(stack, cid, "fingerprint.delete") == []
    close_contract(stack, admin, second)
    assert rows(stack, cid) == []
    d, = audit(stack, cid, "fingerprint.delete")
    assert d == {"template_ids": sorted(ids.values()), "fingers": ["right-index", "left-index"],
                 "reason": "contract_closed"}
    last = stack.sql("SELECT action, object_type FROM audit_log WHERE site_id = %s ORDER BY id DESC LIMIT 2",
                     vault.site)
    assert last == [["contract.close", "contract"], ["fingerprint.delete", "customer"]]


def test_closing_a_contract_of_a_customer_without_prints_writes_no_deletion(stack, admin, vault):
    cid = vault_customer(stack, vault)
    k = vault.contract(cid)["id"]
    close_contract(stack, admin, k)
    assert audit(stack, cid, "fingerprint.delete") == []
