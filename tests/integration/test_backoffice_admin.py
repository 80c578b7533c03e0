"""Back-office administration against the real stack: staff users and roles,
the audit log viewer and its CSV export, API keys."""
import csv
import hashlib
import html
import io
import json
import os
import re
import urllib.parse
import uuid

import pytest
import requests

from helpers import csrf_of, uniq, one, count, post_form

ROLES = ["admin", "operator", "cashier", "mailroom_clerk", "auditor"]
PAYLOADS = [
    "Robert'); DROP TABLE staff_users;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' OR '1'='1",
    "Ünïcødé ячейка 🔒",
]


def user_data(username, role="operator", password=None, sites=None, display_name="", active=True):
    d = {"username": username, "display_name": display_name, "role": role, "password": password or ""}
    if sites is None:
        d["all_sites"] = "1"
    else:
        d["sites"] = [str(x) for x in sites]
    if active:
        d["active"] = "1"
    return d


def create_user(stack, s, username, role="operator", password=None, **kw):
    return post_form(stack, s, "/admin/users/new", "/admin/users",
                     user_data(username, role, password or "pw-" + uuid.uuid4().hex, **kw))


def edit_user(stack, s, uid, data):
    return post_form(stack, s, f"/admin/users/{uid}/edit", f"/admin/users/{uid}/edit", data)


def user_id(stack, username):
    return int(one(stack, "SELECT id FROM staff_users WHERE username = %s", username))


def new_user(stack, s, role="operator", **kw):
    """Creates a user through the form; returns (name, password, id)."""
    name, pw = uniq("u_"), "pw-" + uuid.uuid4().hex
    r = create_user(stack, s, name, role, pw, **kw)
    assert r.status_code == 303, r.text[:500]
    return name, pw, user_id(stack, name)


def try_login(stack, username, password):
    s = requests.Session()
    r = s.get(stack.base + "/admin/login")
    return s, s.post(stack.base + "/admin/login", data={"_csrf": csrf_of(r.text), "username": username,
                                                         "password": password}, allow_redirects=False)


def logged_in(stack, s):
    r = s.get(stack.base + "/admin/", allow_redirects=False)
    if r.status_code == 303:
        assert "/admin/login" in r.headers["Location"]
        return False
    assert r.status_code == 200
    return True


def new_site(stack, s, name=None):
    name = name or uniq("Site ")
    r = post_form(stack, s, "/admin/sites/new", "/admin/sites",
                  {"name": name, "time_zone": "UTC", "currency": "EUR", "languages": ["en"], "modules": ["storage"]})
    assert r.status_code == 303, r.text[:500]
    return int(re.search(r"/admin/sites/(\d+)", r.headers["Location"]).group(1))


def text(stack, query, *params):
    """One text value exactly as stored: it travels as hex, so the client's
    escaping of backslashes and line breaks cannot change it."""
    return bytes.fromhex(one(stack, query, *params)).decode("utf-8")


def audit_rows(stack, action, object_id):
    rows = stack.sql("SELECT id, HEX(detail) FROM audit_log WHERE action = %s AND object_id = %s ORDER BY id",
                     action, object_id)
    return [(r[0], bytes.fromhex(r[1]).decode("utf-8")) for r in rows]


def error_text(key):
    """The English message for errors.field.<key> as a page shows it (escaped)."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "templates", "lang", "en.hdf")
    text = open(path, encoding="utf-8").read()
    block = re.search(r"\n  field \{\n(.*?)\n  \}", text, re.S).group(1)
    m = re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block, re.M)
    return html.escape(m.group(1).strip(), quote=False)


def value_of(page, name):
    """The value of the input called name, as the browser reads it."""
    m = re.search(r'<input name="%s" value="([^"]*)"' % re.escape(name), page)
    assert m, name
    return html.unescape(m.group(1))


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


# ---------- staff users ----------

@pytest.mark.parametrize("role", ROLES)
def test_admin_creates_user_of_each_role_who_can_log_in(stack, admin, login, role):
    name, pw = uniq("new_"), "a fine password " + uuid.uuid4().hex[:6]
    r = create_user(stack, admin, name, role, pw, display_name="New " + role)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/users?done=created"
    row = stack.sql("SELECT id, role, display_name, all_sites, active, password_hash FROM staff_users"
                    " WHERE username = %s", name)
    assert len(row) == 1
    uid, got_role, display, all_sites, active, pw_hash = row[0]
    assert (got_role, display, all_sites, active) == (role, "New " + role, "1", "1")
    assert pw_hash.startswith("$argon2id$") and pw not in pw_hash

    audit = audit_rows(stack, "staff.create", uid)
    assert len(audit) == 1
    detail = json.loads(audit[0][1])
    assert detail["role"] == role and detail["all_sites"] is True and detail["active"] is True
    assert detail["password_changed"] is True
    assert pw not in audit[0][1] and pw_hash not in audit[0][1]

    s = login(name, pw)
    assert logged_in(stack, s)
    listing = admin.get(stack.base + "/admin/users").text
    assert name in listing


def test_new_user_with_chosen_sites(stack, admin, login):
    a, b = new_site(stack, admin), new_site(stack, admin)
    name, pw, uid = new_user(stack, admin, "operator", sites=[a, b])
    assert {r[0] for r in stack.sql("SELECT site_id FROM staff_user_sites WHERE user_id = %s", uid)} == {str(a), str(b)}
    assert one(stack, "SELECT all_sites FROM staff_users WHERE id = %s", uid) == "0"
    detail = json.loads(audit_rows(stack, "staff.create", uid)[0][1])
    assert sorted(detail["sites"]) == sorted([a, b]) and detail["all_sites"] is False
    # The user sees exactly those sites.
    s = login(name, pw)
    assert s.get(f"{stack.base}/admin/sites/{a}").status_code == 200
    assert s.get(f"{stack.base}/admin/sites/{b}").status_code == 200
    other = new_site(stack, admin)
    assert s.get(f"{stack.base}/admin/sites/{other}").status_code == 404
    # The edit form shows the choice.
    form = admin.get(f"{stack.base}/admin/users/{uid}/edit").text
    assert re.search(rf'name="sites" value="{a}" checked', form)
    assert not re.search(rf'name="sites" value="{other}" checked', form)


def test_operator_cannot_reach_administration(stack, login, admin):
    op = login("operator", stack.creds["operator"])
    for path in ["/admin/users", "/admin/users/new", "/admin/users/1/edit", "/admin/audit", "/admin/audit.csv",
                 "/admin/apikeys"]:
        assert op.get(stack.base + path, allow_redirects=False).status_code == 403, path
    csrf = csrf_of(op.get(stack.base + "/admin/").text)
    before = count(stack, "SELECT COUNT(*) FROM staff_users")
    for path in ["/admin/users", "/admin/users/1/edit", "/admin/apikeys", "/admin/apikeys/1/revoke"]:
        r = op.post(stack.base + path, data={"_csrf": csrf, **user_data(uniq("op_"), "admin", "x" * 20), "name": "k"},
                    allow_redirects=False)
        assert r.status_code == 403, path
    assert count(stack, "SELECT COUNT(*) FROM staff_users") == before


def test_auditor_reads_the_audit_log_but_changes_nothing(stack, admin, login):
    name, pw, uid = new_user(stack, admin, "auditor")
    s = login(name, pw)
    assert s.get(stack.base + "/admin/audit").status_code == 200
    r = s.get(stack.base + "/admin/audit.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    for path in ["/admin/users", "/admin/users/new", f"/admin/users/{uid}/edit", "/admin/apikeys"]:
        assert s.get(stack.base + path, allow_redirects=False).status_code == 403, path
    csrf = csrf_of(s.get(stack.base + "/admin/audit").text)
    users_before = count(stack, "SELECT COUNT(*) FROM staff_users")
    keys_before = count(stack, "SELECT COUNT(*) FROM api_keys")
    for path in ["/admin/users", f"/admin/users/{uid}/edit", "/admin/apikeys", "/admin/apikeys/1/revoke",
                 "/admin/sites"]:
        data = {"_csrf": csrf, **user_data(uniq("aud_"), "admin", "x" * 20), "name": uniq("k")}
        assert s.post(stack.base + path, data=data, allow_redirects=False).status_code == 403, path
    assert count(stack, "SELECT COUNT(*) FROM staff_users") == users_before
    assert count(stack, "SELECT COUNT(*) FROM api_keys") == keys_before
    assert one(stack, "SELECT role FROM staff_users WHERE id = %s", uid) == "auditor"


def test_deactivated_user_cannot_log_in_and_loses_open_session(stack, admin, login):
    name, pw, uid = new_user(stack, admin, "operator")
    s = login(name, pw)
    assert logged_in(stack, s)
    r = edit_user(stack, admin, uid, user_data(name, "operator", active=False))
    assert r.status_code == 303
    assert one(stack, "SELECT active FROM staff_users WHERE id = %s", uid) == "0"
    assert count(stack, "SELECT COUNT(*) FROM sessions WHERE user_id = %s", uid) == 0
    assert not logged_in(stack, s)
    _, r = try_login(stack, name, pw)
    assert r.status_code == 401
    detail = json.loads(audit_rows(stack, "staff.update", uid)[-1][1])
    assert detail["active"] is False and detail["password_changed"] is False
    # The list shows the user as inactive.
    listing = admin.get(stack.base + "/admin/users").text
    row = re.search(r"<tr[^>]*>\s*<td>" + re.escape(name) + r"</td>.*?</tr>", listing, re.S).group(0)
    assert "No" in row and 'class="muted"' in row
    # Active again: logging in works again.
    assert edit_user(stack, admin, uid, user_data(name, "operator")).status_code == 303
    assert logged_in(stack, login(name, pw))


def test_password_change_ends_sessions_and_keeping_it_does_not(stack, admin, login):
    name, pw, uid = new_user(stack, admin, "cashier")
    s1 = login(name, pw)
    old_hash = one(stack, "SELECT password_hash FROM staff_users WHERE id = %s", uid)

    # An edit without a password keeps it, and the session.
    r = edit_user(stack, admin, uid, user_data(name, "cashier", display_name="Renamed"))
    assert r.status_code == 303
    assert one(stack, "SELECT password_hash FROM staff_users WHERE id = %s", uid) == old_hash
    assert logged_in(stack, s1)
    assert json.loads(audit_rows(stack, "staff.update", uid)[-1][1])["password_changed"] is False

    new_pw = "brand new password " + uuid.uuid4().hex[:6]
    r = edit_user(stack, admin, uid, user_data(name, "cashier", new_pw))
    assert r.status_code == 303
    assert not logged_in(stack, s1)
    assert count(stack, "SELECT COUNT(*) FROM sessions WHERE user_id = %s", uid) == 0
    assert try_login(stack, name, pw)[1].status_code == 401
    assert logged_in(stack, login(name, new_pw))
    row = audit_rows(stack, "staff.update", uid)[-1][1]
    assert json.loads(row)["password_changed"] is True
    new_hash = one(stack, "SELECT password_hash FROM staff_users WHERE id = %s", uid)
    assert new_pw not in row and new_hash not in row and old_hash not in row


def test_admin_changing_own_password_keeps_this_session_only(stack, admin, login):
    name, pw, uid = new_user(stack, admin, "admin")
    here, elsewhere = login(name, pw), login(name, pw)
    new_pw = "my own new password " + uuid.uuid4().hex[:6]
    r = edit_user(stack, here, uid, user_data(name, "admin", new_pw))
    assert r.status_code == 303
    assert logged_in(stack, here)
    assert not logged_in(stack, elsewhere)
    assert count(stack, "SELECT COUNT(*) FROM sessions WHERE user_id = %s", uid) == 1


def test_admin_cannot_deactivate_or_demote_self(stack, admin, login):
    name, pw, uid = new_user(stack, admin, "admin")
    me = login(name, pw)
    audit_before = count(stack, "SELECT COUNT(*) FROM audit_log WHERE object_id = %s AND action = 'staff.update'", uid)
    r = edit_user(stack, me, uid, user_data(name, "admin", active=False))
    assert r.status_code == 422
    assert error_text("self_deactivate") in r.text
    for role in ["operator", "auditor"]:
        r = edit_user(stack, me, uid, user_data(name, role))
        assert r.status_code == 422
        assert error_text("self_demote") in r.text
    assert stack.sql("SELECT role, active FROM staff_users WHERE id = %s", uid)[0] == ["admin", "1"]
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE object_id = %s AND action = 'staff.update'",
                 uid) == audit_before
    assert logged_in(stack, me)
    # Another administrator may do it.
    assert edit_user(stack, admin, uid, user_data(name, "operator")).status_code == 303


@pytest.mark.parametrize("change,field,message", [
    ({"username": "ab"}, "username", "bad_username"),
    ({"username": "has space"}, "username", "bad_username"),
    ({"username": "x" * 65}, "username", "bad_username"),
    ({"username": "x'; DROP TABLE staff_users;--"}, "username", "bad_username"),
    ({"username": "<script>alert(1)</script>"}, "username", "bad_username"),
    ({"password": "short"}, "password", "password_too_short"),
    ({"password": ""}, "password", "required"),
    ({"password": "p" * 257}, "password", "password_too_long"),
    ({"all_sites": None}, "sites", "no_sites"),
    ({"all_sites": None, "sites": ["1 OR 1=1"]}, "sites", "invalid"),
    ({"all_sites": None, "sites": ["999999999"]}, "sites", "not_found"),
    ({"role": "superuser"}, "role", "bad_role"),
    ({"display_name": "x" * 121}, "display_name", "too_long"),
    ({"display_name": "line\nbreak"}, "display_name", "invalid"),
])
def test_invalid_user_is_refused_with_nothing_written(stack, admin, change, field, message):
    name = uniq("bad_")
    data = user_data(name, "operator", "a good password 123")
    for k, v in change.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    users = count(stack, "SELECT COUNT(*) FROM staff_users")
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    r = post_form(stack, admin, "/admin/users/new", "/admin/users", data)
    assert r.status_code == 422, r.text[:300]
    assert error_text(message) in r.text
    marked = r'<fieldset class="invalid"' if field == "sites" else r'<(input|select)[^>]*name="%s"[^>]*class="invalid"' % field
    assert re.search(marked, r.text)
    assert 'name="password" type="password"' in r.text and "a good password 123" not in r.text
    assert count(stack, "SELECT COUNT(*) FROM staff_users") == users
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits


def test_invalid_edit_writes_nothing(stack, admin):
    name, pw, uid = new_user(stack, admin, "operator")
    before = stack.sql("SELECT username, role, password_hash, all_sites, active FROM staff_users WHERE id = %s", uid)
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    for change in [{"password": "tooshort"}, {"username": "no good"}, {"all_sites": None}]:
        data = user_data(name, "admin")
        data.update({k: v for k, v in change.items() if v is not None})
        for k in [k for k, v in change.items() if v is None]:
            data.pop(k)
        assert edit_user(stack, admin, uid, data).status_code == 422
    assert stack.sql("SELECT username, role, password_hash, all_sites, active FROM staff_users WHERE id = %s",
                     uid) == before
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits
    assert admin.get(f"{stack.base}/admin/users/999999999/edit").status_code == 404
    assert post_form(stack, admin, f"/admin/users/{uid}/edit", "/admin/users/999999999/edit",
                     user_data("ghost_user", "operator")).status_code == 404


def test_duplicate_username_is_taken(stack, admin):
    name = uniq("dup_")
    assert create_user(stack, admin, name).status_code == 303
    for again in [name, name.upper()]:
        r = create_user(stack, admin, again)
        assert r.status_code == 422
        assert error_text("taken") in r.text
    assert count(stack, "SELECT COUNT(*) FROM staff_users WHERE username = %s", name) == 1
    # Renaming somebody else to a taken name is refused too.
    other, _, oid = new_user(stack, admin)
    r = edit_user(stack, admin, oid, user_data(name, "operator"))
    assert r.status_code == 422 and error_text("taken") in r.text
    assert one(stack, "SELECT username FROM staff_users WHERE id = %s", oid) == other


def test_payloads_are_stored_verbatim_and_shown_escaped(stack, admin):
    for p in PAYLOADS:
        name, _, uid = new_user(stack, admin, "operator", display_name=p)
        assert text(stack, "SELECT HEX(display_name) FROM staff_users WHERE id = %s", uid) == p
        listing = admin.get(stack.base + "/admin/users").text
        form = admin.get(f"{stack.base}/admin/users/{uid}/edit").text
        for page in (listing, form):
            assert "<script>alert(1)" not in page
            assert '" onmouseover="' not in page
        assert value_of(form, "display_name") == p
        cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", listing)]
        assert p in cells
        assert json.loads(audit_rows(stack, "staff.create", uid)[0][1])["display_name"] == p
    # The tables are still there.
    assert count(stack, "SELECT COUNT(*) FROM staff_users WHERE username = 'admin'") == 1


def test_site_scoped_admin_cannot_grant_or_touch_more_than_own_sites(stack, admin, login):
    a, b = new_site(stack, admin), new_site(stack, admin)
    boss, pw, boss_id = new_user(stack, admin, "admin", sites=[a])
    s = login(boss, pw)
    # All sites, or a site out of reach, cannot be handed out.
    for extra in [{}, {"sites": [str(b)]}]:
        data = user_data(uniq("sc_"), "operator", "a good password 123", sites=[a] if extra else None)
        data.update(extra)
        r = post_form(stack, s, "/admin/users/new", "/admin/users", data)
        assert r.status_code == 422 and error_text("bad_sites") in r.text
    name, _, uid = new_user(stack, s, "operator", sites=[a])
    assert logged_in(stack, s)
    listing = s.get(stack.base + "/admin/users").text
    assert name in listing and ">admin<" not in listing
    # Users who see more than the editor are not there for them.
    admin_id = user_id(stack, "admin")
    outsider, _, out_id = new_user(stack, admin, "operator", sites=[a, b])
    assert s.get(f"{stack.base}/admin/users/{admin_id}/edit").status_code == 404
    assert s.get(f"{stack.base}/admin/users/{out_id}/edit").status_code == 404
    csrf = csrf_of(listing)
    r = s.post(f"{stack.base}/admin/users/{admin_id}/edit",
               data={"_csrf": csrf, **user_data("admin", "admin", "taken over 12345")}, allow_redirects=False)
    assert r.status_code == 404
    assert outsider not in listing


# ---------- audit log ----------

def audit_page(stack, s, **params):
    return s.get(stack.base + "/admin/audit", params=params)


def ids_on(page):
    return [int(x) for x in re.findall(r'<tr>\s*<td class="num">(\d+)</td>', page)]


def test_audit_is_site_scoped(stack, admin, login):
    a, b = new_site(stack, admin), new_site(stack, admin)
    name, pw, _ = new_user(stack, admin, "auditor", sites=[a])
    s = login(name, pw)
    row_a = int(one(stack, "SELECT MAX(id) FROM audit_log WHERE site_id = %s", a))
    row_b = int(one(stack, "SELECT MAX(id) FROM audit_log WHERE site_id = %s", b))
    mine = ids_on(audit_page(stack, s, action="site.").text)
    assert row_a in mine and row_b not in mine
    # Rows of no site (staff changes, log-ins) are everybody's.
    row_none = int(one(stack, "SELECT MAX(id) FROM audit_log WHERE site_id IS NULL AND action = 'staff.create'"))
    assert row_none in ids_on(audit_page(stack, s, action="staff.").text)
    # Asking for the other site by id shows nothing of it.
    r = audit_page(stack, s, site=str(b))
    assert r.status_code == 422 and row_b not in ids_on(r.text)
    exported = list(csv.DictReader(io.StringIO(s.get(stack.base + "/admin/audit.csv").text)))
    assert str(row_a) in {x["id"] for x in exported} and str(row_b) not in {x["id"] for x in exported}
    assert all(x["site_id"] in ("", str(a)) for x in exported)
    # The admin with all sites sees both.
    every = ids_on(audit_page(stack, admin, action="site.").text)
    assert row_a in every and row_b in every
    assert ids_on(audit_page(stack, admin, site=str(b), action="site.").text)[0] == row_b


def test_audit_filters(stack, admin):
    name, _, uid = new_user(stack, admin, "operator")
    edit_user(stack, admin, uid, user_data(name, "operator", display_name="once"))
    want = [int(r[0]) for r in stack.sql("SELECT id FROM audit_log WHERE object_type = 'staff_user'"
                                         " AND object_id = %s ORDER BY id DESC", uid)]
    assert len(want) == 2
    assert ids_on(audit_page(stack, admin, object_type="staff_user", object_id=str(uid)).text) == want
    assert ids_on(audit_page(stack, admin, object_type="staff_user", object_id=str(uid), action="staff.up").text) \
        == want[:1]
    assert ids_on(audit_page(stack, admin, object_id=str(uid), object_type="staff_user", actor="admin").text) == want
    assert ids_on(audit_page(stack, admin, object_id=str(uid), object_type="staff_user", actor=name).text) == []
    # The prefix is a prefix, with LIKE's wildcards taken literally.
    shown = ids_on(audit_page(stack, admin, action="staff.").text)
    assert want[0] in shown
    assert all(a.startswith("staff.") for a in
               [one(stack, "SELECT action FROM audit_log WHERE id = %s", i) for i in shown[:10]])
    for wild in ["%", "_", "st_ff.", "%staff"]:
        assert ids_on(audit_page(stack, admin, action=wild).text) == []
    # Dates are UTC days, both ends included.
    today = one(stack, "SELECT UTC_DATE()")
    yesterday = one(stack, "SELECT UTC_DATE() - INTERVAL 1 DAY")
    tomorrow = one(stack, "SELECT UTC_DATE() + INTERVAL 1 DAY")
    f = {"object_type": "staff_user", "object_id": str(uid)}
    assert ids_on(audit_page(stack, admin, **f, **{"from": today, "to": today}).text) == want
    assert ids_on(audit_page(stack, admin, **f, to=yesterday).text) == []
    assert ids_on(audit_page(stack, admin, **f, **{"from": tomorrow}).text) == []


@pytest.mark.parametrize("params,message", [
    ({"from": "2024-02-30"}, "bad_date"),
    ({"from": "yesterday"}, "bad_date"),
    ({"to": "2024-1-01"}, "bad_date"),
    ({"to": "2024-01-01' OR '1'='1"}, "bad_date"),
    ({"object_id": "1 OR 1=1"}, "invalid"),
])
def test_audit_bad_filter_is_a_form_error(stack, admin, params, message):
    r = audit_page(stack, admin, **params)
    assert r.status_code == 422
    assert error_text(message) in r.text
    assert ids_on(r.text) == []
    assert admin.get(stack.base + "/admin/audit.csv", params=params).status_code == 422


def test_audit_filter_payloads_are_harmless(stack, admin):
    for p in PAYLOADS:
        for field in ["actor", "action", "object_type"]:
            r = audit_page(stack, admin, **{field: p})
            assert r.status_code == 200, (field, p)
            assert ids_on(r.text) == []
            assert "<script>alert(1)" not in r.text and '" onmouseover="' not in r.text
            assert value_of(r.text, field) == p
    assert count(stack, "SELECT COUNT(*) FROM staff_users WHERE username = 'admin'") == 1


def test_audit_paging_keeps_filters(stack, admin):
    name, _, uid = new_user(stack, admin, "operator")
    for i in range(55):
        assert edit_user(stack, admin, uid, user_data(name, "operator", display_name=f"v{i}")).status_code == 303
    want = [int(r[0]) for r in stack.sql("SELECT id FROM audit_log WHERE object_type = 'staff_user'"
                                         " AND object_id = %s ORDER BY id DESC", uid)]
    assert len(want) == 56
    f = {"object_type": "staff_user", "object_id": str(uid), "actor": "admin"}
    p1 = audit_page(stack, admin, **f)
    assert ids_on(p1.text) == want[:50]
    assert "rel=\"prev\"" not in p1.text
    nxt = re.search(r'<a href="([^"]+)" rel="next"', p1.text)
    assert nxt
    query = urllib.parse.parse_qs(urllib.parse.urlparse(html.unescape(nxt.group(1))).query)
    assert query["object_id"] == [str(uid)] and query["object_type"] == ["staff_user"] and query["actor"] == ["admin"]
    assert query["page"] == ["2"]
    p2 = admin.get(stack.base + html.unescape(nxt.group(1)))
    assert ids_on(p2.text) == want[50:]
    assert 'rel="next"' not in p2.text and 'rel="prev"' in p2.text
    assert re.search(r"Page\s+2", p2.text)
    # Filter values with special characters survive the round trip.
    odd = "a&b=c d/é#x?\"'<"
    page = audit_page(stack, admin, actor=odd, action="x&y").text
    link = re.search(r'href="(/admin/audit\.csv\?[^"]*)"', page).group(1)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(html.unescape(link)).query)
    assert q["actor"] == [odd] and q["action"] == ["x&y"]


def test_audit_csv_export(stack, admin):
    # Rows whose text a spreadsheet would run or a naive writer would break.
    risky = ["=1+2", "+SUM(A1)", "-2+3", "@A1", "comma, \"quote\"", "new\nline"]
    for name in risky:
        r = requests.Session()
        page = r.get(stack.base + "/admin/login")
        r.post(stack.base + "/admin/login", data={"_csrf": csrf_of(page.text), "username": name,
                                                  "password": "wrong password"}, allow_redirects=False)
    _, _, uid = new_user(stack, admin, "operator", display_name='He said "hi", then =HYPERLINK("x")')

    res = admin.get(stack.base + "/admin/audit.csv", params={"action": "login.", "from": one(stack, "SELECT UTC_DATE()")})
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="audit-\d{8}-\d{6}\.csv"', res.headers["Content-Disposition"])
    assert res.content.count(b"\r\n") >= len(risky) + 1          # CRLF line ends
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8"), newline="")))
    assert rows[0] == ["id", "at", "actor_type", "actor", "ip", "action", "object_type", "object_id", "site_id",
                       "site", "detail"]
    actors = {r[3] for r in rows[1:]}
    for name in risky:
        shown = "'" + name if name[0] in "=+-@" else name
        assert shown in actors, (name, actors)
    assert all(r[5].startswith("login.") for r in rows[1:])
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(ids, reverse=True)

    res = admin.get(stack.base + "/admin/audit.csv", params={"object_type": "staff_user", "object_id": str(uid)})
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8"), newline="")))
    assert len(rows) == 2
    assert rows[1][9] == "" and rows[1][8] == ""
    assert rows[1][10] == text(stack, "SELECT HEX(detail) FROM audit_log WHERE id = %s", rows[1][0])
    assert json.loads(rows[1][10])["display_name"] == 'He said "hi", then =HYPERLINK("x")'
    # The export itself is on record.
    exp = text(stack, "SELECT HEX(CONCAT(actor_name, ' ', detail)) FROM audit_log WHERE action = 'audit.export'"
                      " ORDER BY id DESC LIMIT 1")
    actor, detail = exp.split(" ", 1)
    assert actor == "admin" and json.loads(detail)["rows"] == 1
    # The same filters as the page.
    page_ids = ids_on(audit_page(stack, admin, object_type="staff_user", object_id=str(uid)).text)
    assert page_ids == [int(rows[1][0])]


def test_audit_page_links_export_with_filters(stack, admin):
    page = audit_page(stack, admin, action="staff.", actor="admin").text
    link = re.search(r'href="(/admin/audit\.csv\?[^"]*)"', page)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(html.unescape(link.group(1))).query)
    assert q["action"] == ["staff."] and q["actor"] == ["admin"]


# ---------- API keys ----------

KEY_RE = re.compile(r'<p class="secret" id="new-key">(sr_[A-Za-z0-9_-]{43})</p>')


def create_key(stack, s, **data):
    return post_form(stack, s, "/admin/apikeys", "/admin/apikeys", {"name": uniq("key "), **data})


def key_row(stack, name):
    rows = stack.sql("SELECT id, prefix, key_hash, all_sites, can_write, revoked_at FROM api_keys WHERE name = %s",
                     name)
    assert len(rows) == 1, rows
    return rows[0]


def test_api_key_is_shown_once_and_stored_only_as_hash(stack, admin):
    name = uniq("Integration ")
    r = create_key(stack, admin, name=name, all_sites="1", can_write="1")
    assert r.status_code == 200                          # the page itself, not a redirect to it
    keys = KEY_RE.findall(r.text)
    assert len(keys) == 1
    key = keys[0]
    assert r.text.count(key) == 1
    kid, prefix, key_hash, all_sites, can_write, revoked = key_row(stack, name)
    assert key_hash == hashlib.blake2b(key.encode(), digest_size=32).hexdigest()
    assert prefix == key[:8] and (all_sites, can_write, revoked) == ("1", "1", "NULL")
    assert count(stack, "SELECT COUNT(*) FROM api_keys WHERE key_hash = %s OR prefix = %s OR name = %s",
                 key, key, key) == 0
    detail = audit_rows(stack, "apikey.create", kid)
    assert len(detail) == 1 and key not in detail[0][1] and key_hash not in detail[0][1]
    assert json.loads(detail[0][1])["can_write"] is True
    # Never again: the list shows the name and the prefix only.
    page = admin.get(stack.base + "/admin/apikeys").text
    assert key not in page and not KEY_RE.search(page)
    assert html.escape(name) in page and f"<code>{prefix}</code>" in page
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE %s", "%" + key[3:] + "%") == 0
    # The key opens the API.
    api = requests.get(stack.base + "/api/v1/sites", headers={"Authorization": "Bearer " + key})
    assert api.status_code == 200


def test_api_key_for_chosen_sites_read_only(stack, admin):
    a = new_site(stack, admin)
    name = uniq("Kiosk ")
    r = create_key(stack, admin, name=name, sites=[str(a)])
    assert r.status_code == 200 and KEY_RE.search(r.text)
    kid, _, _, all_sites, can_write, _ = key_row(stack, name)
    assert (all_sites, can_write) == ("0", "0")
    assert [x[0] for x in stack.sql("SELECT site_id FROM api_key_sites WHERE key_id = %s", kid)] == [str(a)]
    site_name = one(stack, "SELECT name FROM sites WHERE id = %s", a)
    row = re.search(r"<tr[^>]*>\s*<td>" + re.escape(html.escape(name)) + r"</td>.*?</tr>",
                    admin.get(stack.base + "/admin/apikeys").text, re.S).group(0)
    assert site_name in row and "No" in row


@pytest.mark.parametrize("data,field,message", [
    ({"name": "", "all_sites": "1"}, "name", "required"),
    ({"name": "   ", "all_sites": "1"}, "name", "required"),
    ({"name": "n" * 121, "all_sites": "1"}, "name", "too_long"),
    ({"name": "no sites"}, "sites", "no_sites"),
    ({"name": "junk site", "sites": ["1 OR 1=1"]}, "sites", "invalid"),
    ({"name": "gone site", "sites": ["999999999"]}, "sites", "not_found"),
])
def test_invalid_api_key_is_refused_with_nothing_written(stack, admin, data, field, message):
    keys = count(stack, "SELECT COUNT(*) FROM api_keys")
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    r = post_form(stack, admin, "/admin/apikeys", "/admin/apikeys", data)
    assert r.status_code == 422
    assert error_text(message) in r.text
    assert not KEY_RE.search(r.text)
    marked = r'<fieldset class="invalid"' if field == "sites" else r'<input name="name"[^>]*class="invalid"'
    assert re.search(marked, r.text)
    assert count(stack, "SELECT COUNT(*) FROM api_keys") == keys
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits


def test_api_key_names_are_stored_verbatim_and_shown_escaped(stack, admin):
    for p in PAYLOADS:
        r = create_key(stack, admin, name=p, all_sites="1")
        assert r.status_code == 200
        assert "<script>alert(1)" not in r.text and '" onmouseover="' not in r.text
        assert text(stack, "SELECT HEX(name) FROM api_keys WHERE id = (SELECT MAX(id) FROM api_keys)") == p
        cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", r.text)]
        assert p in cells
    # A refused form shows the payload back, escaped.
    r = post_form(stack, admin, "/admin/apikeys", "/admin/apikeys", {"name": PAYLOADS[2]})
    assert r.status_code == 422 and value_of(r.text, "name") == PAYLOADS[2]


def test_api_key_revoke(stack, admin):
    name = uniq("Revoke me ")
    key = KEY_RE.search(create_key(stack, admin, name=name, all_sites="1").text).group(1)
    kid = key_row(stack, name)[0]
    page = admin.get(stack.base + "/admin/apikeys").text
    form = re.search(r'<form method="post" action="/admin/apikeys/%s/revoke"[^>]*>' % kid, page).group(0)
    assert "data-confirm=" in form
    r = post_form(stack, admin, "/admin/apikeys", f"/admin/apikeys/{kid}/revoke", {})
    assert r.status_code == 303 and r.headers["Location"] == "/admin/apikeys?done=revoked"
    assert key_row(stack, name)[5] != "NULL"
    audit = stack.sql("SELECT actor_name FROM audit_log WHERE action = 'apikey.revoke' AND object_id = %s", kid)
    assert audit == [["admin"]]
    api = requests.get(stack.base + "/api/v1/sites", headers={"Authorization": "Bearer " + key})
    assert api.status_code == 401
    page = admin.get(stack.base + "/admin/apikeys").text
    assert f"/admin/apikeys/{kid}/revoke" not in page
    # Again: nothing more to do, nothing more on record.
    r = post_form(stack, admin, "/admin/apikeys", f"/admin/apikeys/{kid}/revoke", {})
    assert r.status_code == 303
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'apikey.revoke' AND object_id = %s", kid) == 1
    assert post_form(stack, admin, "/admin/apikeys", "/admin/apikeys/999999999/revoke", {}).status_code == 404


def test_site_scoped_admin_and_api_keys(stack, admin, login):
    a, b = new_site(stack, admin), new_site(stack, admin)
    boss, pw, _ = new_user(stack, admin, "admin", sites=[a])
    s = login(boss, pw)
    keys = count(stack, "SELECT COUNT(*) FROM api_keys")
    for data in [{"all_sites": "1"}, {"sites": [str(b)]}, {"sites": [str(a), str(b)]}]:
        r = create_key(stack, s, **data)
        assert r.status_code == 422 and error_text("bad_sites") in r.text
    assert count(stack, "SELECT COUNT(*) FROM api_keys") == keys
    mine = uniq("Mine ")
    assert create_key(stack, s, name=mine, sites=[str(a)]).status_code == 200
    # A key for all sites is neither listed for them nor theirs to revoke.
    wide = uniq("Wide ")
    create_key(stack, admin, name=wide, all_sites="1")
    wide_id = key_row(stack, wide)[0]
    page = s.get(stack.base + "/admin/apikeys").text
    assert html.escape(mine) in page and html.escape(wide) not in page
    r = s.post(f"{stack.base}/admin/apikeys/{wide_id}/revoke", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 404
    assert key_row(stack, wide)[5] == "NULL"


# ---------- other people's text in every list ----------

def test_site_names_are_shown_escaped_everywhere(stack, admin):
    """Site names come from other staff: every list that shows them escapes them."""
    name = uniq("<script>alert(1)</script>\" onmouseover=\"x ")
    site = new_site(stack, admin, name)
    user, _, _ = new_user(stack, admin, "operator", sites=[site])
    create_key(stack, admin, name=uniq("k "), sites=[str(site)])
    pages = {
        "users": admin.get(stack.base + "/admin/users").text,
        "audit": audit_page(stack, admin, site=str(site)).text,
        "apikeys": admin.get(stack.base + "/admin/apikeys").text,
    }
    for where, page in pages.items():
        assert "<script>alert(1)" not in page, where
        assert '" onmouseover="' not in page, where
        cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", page)]
        assert name in cells, where


# ---------- CSRF ----------

def test_posts_without_csrf_are_refused(stack, admin):
    name, _, uid = new_user(stack, admin, "operator")
    users = count(stack, "SELECT COUNT(*) FROM staff_users")
    keys = count(stack, "SELECT COUNT(*) FROM api_keys")
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    for path, data in [("/admin/users", user_data(uniq("c_"), "admin", "a good password 123")),
                       (f"/admin/users/{uid}/edit", user_data(name, "admin", active=False)),
                       ("/admin/apikeys", {"name": uniq("key "), "all_sites": "1"}),
                       ("/admin/apikeys/1/revoke", {})]:
        for token in [None, "", "forged" * 7]:
            body = dict(data)
            if token is not None:
                body["_csrf"] = token
            r = admin.post(stack.base + path, data=body, allow_redirects=False)
            assert r.status_code == 403, (path, token)
    assert count(stack, "SELECT COUNT(*) FROM staff_users") == users
    assert count(stack, "SELECT COUNT(*) FROM api_keys") == keys
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits
    assert stack.sql("SELECT role, active FROM staff_users WHERE id = %s", uid)[0] == ["operator", "1"]


def test_dashboard_counts_follow_every_cell_change(stack, admin):
    """The overview's counts per site are kept between loads (under the
    site's inventory version): a cell added or taken out of service must
    show at the next load, in every worker."""
    site = new_site(stack, admin)
    stack.sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, 'Dash bank', 4)", site)
    bank = int(one(stack, "SELECT id FROM banks WHERE site_id = %s", site))

    def row():
        # Several loads, so several workers answer (each keeps its own counts).
        seen = set()
        for _ in range(6):
            page = admin.get(stack.base + "/admin/").text
            m = re.search(rf'href="/admin/sites/{site}">.*?</tr>', page, re.S)
            seen.add(tuple(re.findall(r'<td class="num">(\d+)</td>', m.group(0))))
        assert len(seen) == 1, seen
        return seen.pop()

    assert row() == ("0", "0", "0", "0")
    for n in (1, 2, 3):
        stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm)"
                  " VALUES (%s, %s, %s, %s, 'S', 300, 200, 400)", bank, site, n, f"D{n}")
    assert row() == ("3", "3", "0", "0")
    stack.sql("UPDATE cells SET status = 'out_of_service' WHERE site_id = %s AND number = 2", site)
    stack.sql("UPDATE cells SET status = 'occupied' WHERE site_id = %s AND number = 3", site)
    assert row() == ("3", "1", "1", "1")
