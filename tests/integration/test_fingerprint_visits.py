"""Visits verified on the fingerprint reader, through the back office and
the API, against the stack's own fingerd ("desk", the first vault site)
and libfprint's virtual_image reader fed with the NIST prints: verify a
picked contract, identify among the site's customers (one locker opened
at once, several offered), one visit per match, a made-up or spent match
refused, the lock-out after failed verifies (audited, staff alerted, no
scan while it lasts), and the staff override with a second person."""
import json
import os
import re
import threading

import pytest

from finger_rig import Client
from fingerprint_desk import VisitDesk, follow
from helpers import api, count, csrf_of, make_key, new_user, one


def config_value(stack, key):
    with open(os.path.join(stack.var, "strongroom.hdf"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(key + " = "):
                return line.split(" = ", 1)[1].strip()
    return None


@pytest.fixture(scope="module")
def desk(stack):
    d = VisitDesk(stack)
    stack.sql("UPDATE sites SET fp_max_failures = 3, fp_lockout_minutes = 15 WHERE id = %s", d.site)
    yield d
    d.finger.close()


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


def live(stack, s, path, data, feed=(), desk=None):
    """Posts a live fingerprint form as the page's script does (streamed
    lines), placing the next image of feed at each "scan".  Returns
    (progress lines, final line)."""
    page = s.get(stack.base + "/admin/visits").text
    r = s.post(stack.base + path, data={"_csrf": csrf_of(page), **data}, stream=True,
               headers={"Accept": "application/x-ndjson"}, timeout=60)
    # A refusal before the reader (a lock-out) keeps its status (409).
    assert r.status_code in (200, 409), r.text[:300]
    return follow(r, desk, feed)


def outcome(final):
    m = re.search(r'data-outcome="([a-z_]*)"', final["html"])
    return m.group(1) if m else None


def visits(stack, contract):
    return stack.sql("SELECT id, verified_by, COALESCE(verification_ref, ''), COALESCE(override_approved_by, 0)"
                     " FROM visits WHERE contract_id = %s ORDER BY id", contract)


# ---------------------------------------------------------------- verify

def test_verify_records_one_visit_on_a_match(stack, admin, desk):
    c = desk.customer()
    k, label = desk.contract(c)
    desk.enroll(c, "whorl")
    lines, final = live(stack, admin, "/admin/visits/verify", {"contract_id": k}, ["whorl"], desk)
    assert [m["event"] for m in lines][:2] == ["started", "scan"] and all(m.get("text") for m in lines)
    assert final["ok"] is True and outcome(final) == "visit_recorded", final
    assert label in final["html"]
    (vid, by, ref, _), = visits(stack, k)
    assert by == "fingerprint" and re.fullmatch(r"m[A-Za-z0-9_-]{22}", ref)
    assert f'data-visit="{vid}"' in final["html"]
    assert stack.sql("SELECT kind, result, match_id FROM fingerprint_attempts WHERE customer_id = %s", c) == \
        [["verify", "match", ref]]
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'visit.check_in' AND object_id = %s", vid) == 1

    # The same match named again on a form: that visit, not a second one.
    page = admin.get(stack.base + "/admin/visits").text
    admin.post(stack.base + f"/admin/visits/{vid}/checkout", data={"_csrf": csrf_of(page)})
    r = admin.post(stack.base + "/admin/visits", data={"_csrf": csrf_of(page), "contract_id": k,
                                                        "verified_by": "fingerprint", "match_id": ref},
                   allow_redirects=False)
    assert r.status_code == 303 and len(visits(stack, k)) == 1


def test_verify_without_javascript_answers_the_page(stack, admin, desk):
    c = desk.customer()
    k, label = desk.contract(c)
    desk.enroll(c, "arch")
    page = admin.get(stack.base + f"/admin/visits/new?contract={k}").text
    assert 'id="verify-form"' in page and "data-fp-live" in page
    t = threading.Timer(1.0, lambda: desk.finger.send("put", "arch"))
    t.start()
    r = admin.post(stack.base + "/admin/visits/verify", data={"_csrf": csrf_of(page), "contract_id": k}, timeout=60)
    t.join()
    assert r.status_code == 200 and 'data-outcome="visit_recorded"' in r.text and "<html" in r.text
    assert len(visits(stack, k)) == 1


def test_impostors_lock_the_customer_out(stack, admin, desk):
    c = desk.customer("Locked Person")
    k, _ = desk.contract(c)
    desk.enroll(c, "whorl")
    for attempt, probe in enumerate(["arch", "loop-right", "tented_arch"], 1):
        _, final = live(stack, admin, "/admin/visits/verify", {"contract_id": k}, [probe], desk)
        assert outcome(final) == ("no_match" if attempt < 3 else "locked"), (attempt, final)
        if attempt < 3:
            assert f"{attempt} / 3" in final["html"]
    assert visits(stack, k) == []
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_attempts WHERE customer_id = %s AND result = 'no_match'",
                 c) == 3
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'fingerprint.lockout' AND object_id = %s",
                 c) == 1
    if config_value(stack, "Notify.Staff.Slack") or config_value(stack, "Notify.Staff.Teams"):
        assert count(stack, "SELECT COUNT(*) FROM outbox WHERE kind = 'fp_lockout' AND dedupe_key LIKE %s",
                     f"fp_lockout:{c}:%") >= 1

    # While locked: no scan at all, even with the right finger ready.
    lines, final = live(stack, admin, "/admin/visits/verify", {"contract_id": k}, [], desk)
    assert lines == [] and outcome(final) == "locked" and "Locked Person" in final["html"]
    page = admin.get(stack.base + f"/admin/visits/new?contract={k}").text
    assert 'id="fp-locked"' in page and 'id="verify-form"' not in page
    # A matching finger on identify does not get round it either.
    desk.only(c)
    _, final = live(stack, admin, "/admin/visits/identify", {"site_id": desk.site}, ["whorl"], desk)
    assert outcome(final) == "locked"
    assert visits(stack, k) == []

    # The way in: a staff override with a second person.
    name, pw = new_user(stack, admin, "admin")
    page = admin.get(stack.base + "/admin/visits").text
    r = admin.post(stack.base + "/admin/visits", data={"_csrf": csrf_of(page), "contract_id": k,
                                                        "verified_by": "staff_override", "override_reason": "known face",
                                                        "approver": name, "approver_password": pw},
                   allow_redirects=False)
    assert r.status_code == 303
    (vid, by, _, approved), = visits(stack, k)
    assert by == "staff_override" and approved == str(one(stack, "SELECT id FROM staff_users WHERE username = %s", name))
    detail = json.loads(one(stack, "SELECT detail FROM audit_log WHERE action = 'visit.override' AND object_id = %s", vid))
    assert detail["approved_by"] == int(approved) and detail["reason"] == "known face"


# ---------------------------------------------------------------- identify

def test_identify_picks_the_right_customer(stack, admin, desk):
    people = {}
    for image in ["whorl", "arch", "loop-right", "tented_arch"]:
        c = desk.customer()
        people[image] = (c, desk.contract(c)[0])
        desk.enroll(c, image)
    desk.only(*[c for c, _ in people.values()])
    for image in ["loop-right", "whorl", "tented_arch", "arch"]:
        c, k = people[image]
        _, final = live(stack, admin, "/admin/visits/identify", {"site_id": desk.site}, [image], desk)
        assert outcome(final) == "visit_recorded", (image, final)
        assert f"#{c}" in final["html"]
        assert [v[1] for v in visits(stack, k)] == ["fingerprint"]
    # The others were not let in by someone else's finger.
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id IN (%s, %s, %s, %s)",
                 *[k for _, k in people.values()]) == 4


def test_identify_matching_nobody(stack, admin, desk):
    c = desk.customer()
    desk.contract(c)
    desk.enroll(c, "whorl")
    desk.only(c)
    before = count(stack, "SELECT COUNT(*) FROM fingerprint_attempts WHERE site_id = %s AND kind = 'identify'"
                          " AND result = 'no_match' AND customer_id IS NULL", desk.site)
    _, final = live(stack, admin, "/admin/visits/identify", {"site_id": desk.site}, ["arch"], desk)
    assert outcome(final) == "no_match"
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_attempts WHERE site_id = %s AND kind = 'identify'"
                        " AND result = 'no_match' AND customer_id IS NULL", desk.site) == before + 1


def test_identify_offers_the_lockers_and_a_match_opens_one(stack, admin, desk):
    c = desk.customer()
    k1, l1 = desk.contract(c)
    k2, l2 = desk.contract(c)
    desk.enroll(c, "loop-right")
    desk.only(c)
    _, final = live(stack, admin, "/admin/visits/identify", {"site_id": desk.site}, ["loop-right"], desk)
    assert outcome(final) == "choose_contract" and l1 in final["html"] and l2 in final["html"]
    match_id = re.search(r'name="match_id" value="([^"]+)"', final["html"]).group(1)
    assert visits(stack, k1) == visits(stack, k2) == []
    page = admin.get(stack.base + "/admin/visits").text

    def pick(contract, mid):
        return admin.post(stack.base + "/admin/visits", data={"_csrf": csrf_of(page), "contract_id": contract,
                                                               "verified_by": "fingerprint", "match_id": mid},
                          allow_redirects=False)

    assert pick(k2, "m" + "A" * 22).status_code == 422            # made up: fingerd never made it
    assert pick(k2, "").status_code == 422
    assert visits(stack, k2) == []
    assert pick(k2, match_id).status_code == 303
    assert visits(stack, k2)[0][2] == match_id
    r = pick(k1, match_id)                                         # one match, one locker
    assert r.status_code == 422 and visits(stack, k1) == [], (r.status_code, r.headers.get("Location"), visits(stack, k1),
                                                              visits(stack, k2))
    # Another customer's contract cannot borrow the match either.
    other = desk.customer()
    k3, _ = desk.contract(other)
    assert pick(k3, match_id).status_code == 422 and visits(stack, k3) == []


def test_api_takes_only_a_match_the_reader_made(stack, admin, desk):
    """The API's fingerprint visit: fingerd must vouch for the reference."""
    c = desk.customer()
    k, _ = desk.contract(c)
    desk.enroll(c, "tented_arch")
    desk.only(c)
    client = Client(desk.sock)
    _, final = client.converse({"op": "verify", "customer": c}, ["tented_arch"], finger=desk.finger)
    client.close()
    assert final["match"] is True
    api_s = api(make_key(stack))
    url = stack.base + "/api/v1/visits"
    r = api_s.post(url, json={"contract_id": k, "verified_by": "fingerprint", "verification_ref": "m" + "B" * 22})
    assert r.status_code == 422 and r.json()["reason"] == "not_a_match"
    r = api_s.post(url, json={"contract_id": k, "verified_by": "fingerprint", "verification_ref": final["match_id"]})
    assert r.status_code == 201, r.text
    again = api_s.post(url, json={"contract_id": k, "verified_by": "fingerprint", "verification_ref": final["match_id"]})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    assert len(visits(stack, k)) == 1


# ---------------------------------------------------------------- override

def test_override_needs_a_second_person(stack, admin, desk, login):
    c = desk.customer()
    k, _ = desk.contract(c)
    page = admin.get(stack.base + "/admin/visits").text
    me = one(stack, "SELECT username FROM staff_users WHERE username = 'admin'")
    op_name, op_pw = new_user(stack, admin, "operator")
    other, other_pw = new_user(stack, admin, "admin")
    base = {"_csrf": csrf_of(page), "contract_id": k, "verified_by": "staff_override", "override_reason": "lost card"}
    cases = [({}, "override_approval"),
             ({"approver": me, "approver_password": stack.creds["admin"]}, "approver_same"),
             ({"approver": op_name, "approver_password": op_pw}, "approver_role"),
             ({"approver": other, "approver_password": "wrong"}, "override_approval")]
    for extra, code in cases:
        r = admin.post(stack.base + "/admin/visits", data={**base, **extra}, allow_redirects=False)
        assert r.status_code == 422, (extra, r.status_code)
        assert 'name="approver"' in r.text
    assert visits(stack, k) == []
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'visit.override_refused' AND site_id = %s",
                 desk.site) >= 3
    r = admin.post(stack.base + "/admin/visits", data={**base, "approver": other, "approver_password": other_pw},
                   allow_redirects=False)
    assert r.status_code == 303 and len(visits(stack, k)) == 1
