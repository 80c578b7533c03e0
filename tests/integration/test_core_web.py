"""The back office core against the real stack: log-in, throttling, CSRF,
roles, site scoping, request limits, hostile input and a database restart."""
import re
import time
import uuid

import requests

from helpers import csrf_of

PAYLOADS = [
    "Robert'); DROP TABLE sites;--",
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' OR '1'='1",
    "Ünïcødé ячейка 🔒",
]


def fresh_session(stack):
    s = requests.Session()
    r = s.get(stack.base + "/admin/login")
    assert r.status_code == 200
    return s, csrf_of(r.text)


def new_site(stack, s, name=None, **extra):
    """Creates a site through the form; returns its id."""
    page = s.get(stack.base + "/admin/sites/new")
    assert page.status_code == 200, page.text[:300]
    data = {"_csrf": csrf_of(page.text), "name": name or "Site " + uuid.uuid4().hex[:8],
            "time_zone": "Europe/Berlin", "currency": "EUR", "languages": ["en"], "modules": ["vault"]}
    data.update(extra)
    r = s.post(stack.base + "/admin/sites", data=data, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return int(re.search(r"/admin/sites/(\d+)", r.headers["Location"]).group(1))


def new_bank(stack, s, site_id, **counts):
    page = s.get(f"{stack.base}/admin/sites/{site_id}/banks/new")
    data = {"_csrf": csrf_of(page.text), "name": "Bank " + uuid.uuid4().hex[:6], "columns": "6"}
    data.update({f"count_{k}": str(v) for k, v in counts.items()})
    r = s.post(f"{stack.base}/admin/sites/{site_id}/banks", data=data, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return int(re.search(r"bank=(\d+)", r.headers["Location"]).group(1))


def make_user(stack, username, role, sites="all"):
    """Creates staff through the operator tool, as an installer would."""
    import subprocess
    pw = "pw-" + uuid.uuid4().hex
    subprocess.run([stack.build + "/bin/strongroomctl", "-c", stack.var + "/strongroom.hdf", "create-admin",
                    "--username", username, "--role", role, "--sites", sites, "--password-file", "-"],
                   input=pw + "\n", text=True, check=True, capture_output=True)
    return pw


def test_login_and_logout(stack, login):
    s = login("admin", stack.creds["admin"])
    r = s.get(stack.base + "/admin/")
    assert r.status_code == 200
    assert "Dashboard" in r.text
    token = s.cookies.get("sr_session")
    # Only a hash of the token is stored.
    assert stack.sql("SELECT COUNT(*) FROM sessions WHERE token_hash = %s", token)[0][0] == "0"
    r = s.post(stack.base + "/admin/logout", data={"_csrf": csrf_of(r.text)}, allow_redirects=False)
    assert r.status_code == 303
    # The old cookie no longer opens anything.
    r = requests.get(stack.base + "/admin/", cookies={"sr_session": token}, allow_redirects=False)
    assert r.status_code == 303 and "/admin/login" in r.headers["Location"]


def test_wrong_password_is_refused_and_audited(stack):
    s, csrf = fresh_session(stack)
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf, "username": "admin", "password": "nope-nope-nope"},
               allow_redirects=False)
    assert r.status_code == 401
    assert "Wrong user name or password" in r.text
    assert "sr_session" not in s.cookies
    rows = stack.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'login.failed' AND actor_name = 'admin'")
    assert int(rows[0][0]) >= 1


def test_login_needs_csrf(stack):
    s, _ = fresh_session(stack)
    r = s.post(stack.base + "/admin/login", data={"username": "admin", "password": stack.creds["admin"]},
               allow_redirects=False)
    assert r.status_code == 403
    assert "sr_session" not in s.cookies


def test_throttling_survives_restart(stack):
    name = "thr" + uuid.uuid4().hex[:8]
    pw = make_user(stack, name, "operator")
    s, csrf = fresh_session(stack)
    for _ in range(5):
        r = s.post(stack.base + "/admin/login", data={"_csrf": csrf, "username": name, "password": "wrong-password-x"},
                   allow_redirects=False)
        assert r.status_code == 401
    # Locked now: even the right password is refused.
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf, "username": name, "password": pw}, allow_redirects=False)
    assert r.status_code == 429
    assert "Too many failed attempts" in r.text
    # Restart every back-office process: the lock lives in the database.
    stack.restart_program("backoffice")
    s, csrf = fresh_session(stack)
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf, "username": name, "password": pw}, allow_redirects=False)
    assert r.status_code == 429
    # Once the lock has passed the user gets in.
    stack.sql("UPDATE login_throttle SET locked_until = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND, "
              "window_start = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR WHERE subject = %s", "u:" + name)
    r = s.post(stack.base + "/admin/login", data={"_csrf": csrf, "username": name, "password": pw}, allow_redirects=False)
    assert r.status_code == 303
    stack.sql("DELETE FROM login_throttle WHERE subject LIKE 'ip:%%'")


def test_csrf_rejected_on_every_inventory_form(stack, login):
    s = login("admin", stack.creds["admin"])
    site = new_site(stack, s)
    before = stack.sql("SELECT COUNT(*) FROM sites")[0][0]
    for path, data in [("/admin/sites", {"name": "x", "time_zone": "UTC", "currency": "EUR", "languages": "en"}),
                       (f"/admin/sites/{site}/edit", {"name": "y"}),
                       (f"/admin/sites/{site}/banks", {"name": "b", "count_S": "2"})]:
        for token in (None, "forged-token", csrf_of(requests.get(stack.base + "/admin/login").text)):
            body = dict(data)
            if token:
                body["_csrf"] = token
            r = s.post(stack.base + path, data=body, allow_redirects=False)
            assert r.status_code == 403, (path, token, r.status_code)
    assert stack.sql("SELECT COUNT(*) FROM sites")[0][0] == before
    assert stack.sql("SELECT COUNT(*) FROM banks WHERE site_id = %s", site)[0][0] == "0"


def test_roles_are_enforced(stack, login):
    admin = login("admin", stack.creds["admin"])
    site = new_site(stack, admin)
    bank = new_bank(stack, admin, site, S=2)
    cell = stack.sql("SELECT id FROM cells WHERE bank_id = %s ORDER BY number LIMIT 1", bank)[0][0]
    name = "cash" + uuid.uuid4().hex[:6]
    cashier = login(name, make_user(stack, name, "cashier"))
    # A cashier may look at the grid but change nothing.
    assert cashier.get(f"{stack.base}/admin/sites/{site}/grid").status_code == 200
    page = cashier.get(f"{stack.base}/admin/sites/{site}/grid")
    csrf = csrf_of(page.text)
    assert cashier.get(stack.base + "/admin/sites/new").status_code == 403
    assert cashier.get(f"{stack.base}/admin/cells/{cell}").status_code == 403
    r = cashier.post(f"{stack.base}/admin/cells/{cell}/service", data={"_csrf": csrf, "action": "out", "reason": "x"})
    assert r.status_code == 403
    assert stack.sql("SELECT status FROM cells WHERE id = %s", cell)[0][0] == "free"
    r = cashier.post(stack.base + "/admin/sites", data={"_csrf": csrf, "name": "z", "time_zone": "UTC", "currency": "EUR", "languages": "en"})
    assert r.status_code == 403
    # An operator may take a cell out of service, with a reason, and it is audited.
    name = "op" + uuid.uuid4().hex[:6]
    op = login(name, make_user(stack, name, "operator"))
    page = op.get(f"{stack.base}/admin/cells/{cell}")
    assert page.status_code == 200
    r = op.post(f"{stack.base}/admin/cells/{cell}/service", data={"_csrf": csrf_of(page.text), "action": "out", "reason": ""})
    assert r.status_code == 422
    r = op.post(f"{stack.base}/admin/cells/{cell}/service",
                data={"_csrf": csrf_of(page.text), "action": "out", "reason": "Hinge broken"}, allow_redirects=False)
    assert r.status_code == 303
    assert stack.sql("SELECT status, service_reason FROM cells WHERE id = %s", cell)[0] == ["out_of_service", "Hinge broken"]
    assert stack.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'cell.out_of_service' AND object_id = %s AND actor_name = %s",
                     cell, name)[0][0] == "1"


def test_other_sites_objects_are_refused(stack, login):
    admin = login("admin", stack.creds["admin"])
    site_a = new_site(stack, admin)
    site_b = new_site(stack, admin)
    bank_b = new_bank(stack, admin, site_b, M=3)
    cell_b = stack.sql("SELECT id FROM cells WHERE bank_id = %s LIMIT 1", bank_b)[0][0]
    name = "sa" + uuid.uuid4().hex[:6]
    user = login(name, make_user(stack, name, "operator", sites=str(site_a)))
    assert user.get(f"{stack.base}/admin/sites/{site_a}").status_code == 200
    for path in (f"/admin/sites/{site_b}", f"/admin/sites/{site_b}/grid", f"/admin/banks/{bank_b}",
                 f"/admin/cells/{cell_b}", f"/admin/sites/{site_b}/banks/new"):
        r = user.get(stack.base + path)
        assert r.status_code == 404, path
    page = user.get(f"{stack.base}/admin/sites/{site_a}")
    csrf = csrf_of(page.text)
    r = user.post(f"{stack.base}/admin/cells/{cell_b}/edit", data={"_csrf": csrf, "label": "HACK", "size": "S",
                                                                   "width": "400", "height": "100", "depth": "500"})
    assert r.status_code == 404
    r = user.post(f"{stack.base}/admin/sites/{site_b}/banks", data={"_csrf": csrf, "name": "evil", "count_S": "1"})
    assert r.status_code == 404
    assert stack.sql("SELECT label FROM cells WHERE id = %s", cell_b)[0][0] != "HACK"
    sites_page = user.get(stack.base + "/admin/sites").text
    assert f"/admin/sites/{site_b}\"" not in sites_page


def test_oversize_body_is_413(stack, login):
    s = login("admin", stack.creds["admin"])
    csrf = csrf_of(s.get(stack.base + "/admin/sites/new").text)
    r = s.post(stack.base + "/admin/sites", data={"_csrf": csrf, "name": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413
    files = {"photo": ("big.bin", b"\0" * (9 * 1024 * 1024), "application/octet-stream")}
    r = s.post(stack.base + "/admin/sites", data={"_csrf": csrf}, files=files)
    assert r.status_code == 413


def test_broken_multipart_is_400(stack, login):
    s = login("admin", stack.creds["admin"])
    before = stack.sql("SELECT COUNT(*) FROM sites")[0][0]
    bodies = [
        b"--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nvalue-without-closing-boundary",
        b"garbage with no boundary at all",
        b"--XYZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XYZ--\r\n",
    ]
    for body in bodies:
        r = s.post(stack.base + "/admin/sites", data=body,
                   headers={"Content-Type": "multipart/form-data; boundary=XYZ"})
        assert r.status_code == 400, body
    r = s.post(stack.base + "/admin/sites", data=b"a=1",
               headers={"Content-Type": "multipart/form-data"})   # no boundary
    assert r.status_code == 400
    r = s.post(stack.base + "/admin/sites", data=b"name=%zz", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = s.post(stack.base + "/admin/sites", data=b"name=%ff%fe&time_zone=UTC",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert "not valid UTF-8" in r.text
    assert stack.sql("SELECT COUNT(*) FROM sites")[0][0] == before


def test_hostile_input_in_inventory_forms(stack, login):
    s = login("admin", stack.creds["admin"])
    for i, p in enumerate(PAYLOADS):
        name = f"{p} {i} {uuid.uuid4().hex[:4]}"
        site = new_site(stack, s, name=name, address=p)
        assert stack.sql("SELECT name, address FROM sites WHERE id = %s", site)[0] == [name, p]
        page = s.get(f"{stack.base}/admin/sites/{site}/banks/new")
        bank_name = p + " bank"
        r = s.post(f"{stack.base}/admin/sites/{site}/banks",
                   data={"_csrf": csrf_of(page.text), "name": bank_name, "location": p, "label_prefix": p[:16],
                         "columns": "4", "count_S": "2"}, allow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        row = stack.sql("SELECT b.name, b.location, c.label FROM banks b JOIN cells c ON c.bank_id = b.id "
                        "WHERE b.site_id = %s ORDER BY c.number LIMIT 1", site)[0]
        assert row[0] == bank_name and row[1] == p and row[2].startswith(p[:16])
        cell = stack.sql("SELECT c.id FROM cells c JOIN banks b ON b.id = c.bank_id WHERE b.site_id = %s LIMIT 1", site)[0][0]
        page = s.get(f"{stack.base}/admin/cells/{cell}")
        r = s.post(f"{stack.base}/admin/cells/{cell}/service", data={"_csrf": csrf_of(page.text), "action": "out", "reason": p},
                   allow_redirects=False)
        assert r.status_code == 303
        assert stack.sql("SELECT service_reason FROM cells WHERE id = %s", cell)[0][0] == p
        for path in (f"/admin/sites/{site}", f"/admin/sites/{site}/grid", "/admin/sites", f"/admin/cells/{cell}"):
            html = s.get(stack.base + path).text
            assert "<script>alert(1)</script>" not in html, path
            assert "\" onmouseover=\"alert(1)" not in html, path
        if "<script>" in p:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in s.get(f"{stack.base}/admin/sites/{site}").text
    assert int(stack.sql("SELECT COUNT(*) FROM sites")[0][0]) > 0


def test_validation_changes_nothing(stack, login):
    s = login("admin", stack.creds["admin"])
    before = stack.sql("SELECT COUNT(*) FROM sites")[0][0]
    csrf = csrf_of(s.get(stack.base + "/admin/sites/new").text)
    for bad in ({"name": "", "time_zone": "UTC", "currency": "EUR", "languages": "en"},
                {"name": "ok", "time_zone": "Mars/Base", "currency": "EUR", "languages": "en"},
                {"name": "ok", "time_zone": "UTC", "currency": "euro", "languages": "en"},
                {"name": "ok", "time_zone": "UTC", "currency": "EUR"}):
        r = s.post(stack.base + "/admin/sites", data=dict(bad, _csrf=csrf))
        assert r.status_code == 422
        assert 'class="flash error"' in r.text
    assert stack.sql("SELECT COUNT(*) FROM sites")[0][0] == before
    site = new_site(stack, s)
    page = s.get(f"{stack.base}/admin/sites/{site}/banks/new")
    for bad in ({"name": "b", "count_S": "0"}, {"name": "b", "count_S": "501"}, {"name": "b", "count_S": "abc"},
                {"name": "b", "count_S": "3", "width_S": "5"}, {"name": "b", "count_S": "3", "features_S": "laser"}):
        r = s.post(f"{stack.base}/admin/sites/{site}/banks", data=dict(bad, _csrf=csrf_of(page.text)))
        assert r.status_code == 422, bad
    assert stack.sql("SELECT COUNT(*) FROM cells WHERE site_id = %s", site)[0][0] == "0"


def test_bank_of_24_cells_and_grid_filters(stack, login):
    s = login("admin", stack.creds["admin"])
    site = new_site(stack, s)
    page = s.get(f"{stack.base}/admin/sites/{site}/banks/new")
    r = s.post(f"{stack.base}/admin/sites/{site}/banks",
               data={"_csrf": csrf_of(page.text), "name": "Wall", "label_prefix": "W", "columns": "6",
                     "count_S": "12", "count_M": "8", "count_L": "4", "features_M": ["charging"]}, allow_redirects=False)
    assert r.status_code == 303
    rows = stack.sql("SELECT size_class, COUNT(*), SUM(FIND_IN_SET('charging', features) > 0) FROM cells "
                     "WHERE site_id = %s GROUP BY size_class ORDER BY size_class", site)
    assert rows == [["S", "12", "0"], ["M", "8", "8"], ["L", "4", "0"]]   # ENUM order
    grid = s.get(f"{stack.base}/admin/sites/{site}/grid").text
    assert grid.count('<a class="st-') == 24
    assert s.get(f"{stack.base}/admin/sites/{site}/grid?size=M").text.count('<a class="st-') == 8
    assert s.get(f"{stack.base}/admin/sites/{site}/grid?feature=charging").text.count('<a class="st-') == 8
    # The cached grid follows a change at once.
    cell = stack.sql("SELECT id FROM cells WHERE site_id = %s AND size_class = 'L' LIMIT 1", site)[0][0]
    page = s.get(f"{stack.base}/admin/cells/{cell}")
    s.post(f"{stack.base}/admin/cells/{cell}/service", data={"_csrf": csrf_of(page.text), "action": "out", "reason": "test"})
    grid = s.get(f"{stack.base}/admin/sites/{site}/grid?status=out_of_service").text
    assert grid.count('<a class="st-') == 1
    # Unknown filter values are ignored, not an error.
    assert s.get(f"{stack.base}/admin/sites/{site}/grid?size=HUGE&status=x&feature=a,b&bank=-3").status_code == 200


def test_language_switch(stack, login):
    s = login("admin", stack.creds["admin"])
    r = s.get(stack.base + "/admin/?lang=ru")
    assert "Сводка" in r.text
    assert "Сводка" in s.get(stack.base + "/admin/sites").text or "Объекты" in s.get(stack.base + "/admin/sites").text
    r = s.get(stack.base + "/admin/?lang=en")
    assert "Dashboard" in r.text


def test_database_restart_is_survived(stack, login):
    s = login("admin", stack.creds["admin"])
    assert s.get(stack.base + "/admin/sites").status_code == 200
    stack.kill_db(hold=True)
    # While the database is away: a clear 503 page, no crash, for every worker.
    for _ in range(6):
        r = s.get(stack.base + "/admin/sites")
        assert r.status_code == 503
        assert "database cannot be reached" in r.text
    stack.release_db()
    # The very same worker processes reconnect on their own.
    for _ in range(100):
        r = s.get(stack.base + "/admin/sites")
        if r.status_code == 200:
            break
        time.sleep(0.1)
    assert r.status_code == 200
    for _ in range(10):
        assert s.get(stack.base + "/admin/sites").status_code == 200


def test_audit_chain_verifies(stack):
    import subprocess
    out = subprocess.run([stack.build + "/bin/strongroomctl", "-c", stack.var + "/strongroom.hdf", "verify"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "intact" in out.stdout


def test_audit_row_that_does_not_extend_the_head_is_refused(stack):
    """The audit_log trigger: even the administrator cannot append a row
    that forks the chain, and the head only moves with a row."""
    head = stack.sql("SELECT last_id, last_hash FROM audit_head")[0]
    for row_id, prev in ((int(head[0]) + 1, "f" * 64), (int(head[0]) + 5, head[1])):
        try:
            stack.sql("INSERT INTO audit_log (id, at, actor_type, action, detail, prev_hash, hash)"
                      " VALUES (%s, UTC_TIMESTAMP(6), 'system', 'forged', '{}', %s, REPEAT('a', 64))", row_id, prev)
        except RuntimeError as e:
            assert "does not extend the chain head" in str(e)
        else:
            raise AssertionError("a forged audit row was accepted")
    assert stack.sql("SELECT last_id, last_hash FROM audit_head")[0] == head
    test_audit_chain_verifies(stack)
