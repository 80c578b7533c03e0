"""The JSON API against the real stack: keys, scoping, reads and writes,
problem documents, and the OpenAPI document kept in step with the routes."""
import hashlib
import json
import os
import re
import secrets
import subprocess
import uuid

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_key(stack, all_sites=True, can_write=True, sites=(), revoked=False):
    """A key inserted as the back office stores it: only its BLAKE2b hash."""
    key = "sr_" + secrets.token_urlsafe(32)[:43]
    digest = hashlib.blake2b(key.encode(), digest_size=32).hexdigest()
    stack.sql("INSERT INTO api_keys (name, prefix, key_hash, all_sites, can_write, revoked_at) "
              "VALUES (%s, %s, %s, %s, %s, " + ("UTC_TIMESTAMP()" if revoked else "NULL") + ")",
              "test " + uuid.uuid4().hex[:6], key[:8], digest, int(all_sites), int(can_write))
    kid = stack.sql("SELECT id FROM api_keys WHERE key_hash = %s", digest)[0][0]
    for s in sites:
        stack.sql("INSERT INTO api_key_sites (key_id, site_id) VALUES (%s, %s)", int(kid), int(s))
    return key


def api(stack, key):
    s = requests.Session()
    if key:
        s.headers["Authorization"] = "Bearer " + key
    return s


def is_problem(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == "urn:strongroom:problem:" + code
    assert body["title"]
    return body


def create_site(stack, s, **extra):
    body = {"name": "API site " + uuid.uuid4().hex[:8], "time_zone": "Europe/Berlin", "currency": "EUR",
            "languages": ["en", "ru"], "modules": {"storage": True}}
    body.update(extra)
    r = s.post(stack.base + "/api/v1/sites", json=body)
    assert r.status_code == 201, r.text
    return r.json()


BANK = {"name": "Wall", "label_prefix": "W-", "columns": 6,
        "groups": [{"size": "S", "count": 12}, {"size": "M", "count": 8, "features": ["charging"]},
                   {"size": "L", "count": 4, "width_mm": 500, "height_mm": 450, "depth_mm": 600}]}


def test_health_is_public(stack):
    r = requests.get(stack.base + "/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_openapi_document_matches_the_routes(stack):
    r = requests.get(stack.base + "/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    with open(os.path.join(REPO, "templates", "api", "openapi.json")) as f:
        assert doc == json.load(f)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    documented = set()
    op_ids = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            documented.add((method.upper(), re.sub(r"\{[^}]+\}", "{}", path)))
            assert op.get("operationId"), (method, path)
            assert op["operationId"] not in op_ids
            op_ids.add(op["operationId"])
            assert op.get("responses"), (method, path)
            for param in re.findall(r"\{([^}]+)\}", path):
                assert any(p["name"] == param and p["in"] == "path" for p in op.get("parameters", [])), (path, param)
    out = subprocess.run([stack.build + "/bin/api.fcgi", "--routes"], capture_output=True, text=True, check=True)
    routed = {tuple(line.split(" ", 1)) for line in out.stdout.splitlines() if line}
    assert routed == documented, {"undocumented": routed - documented, "not routed": documented - routed}


def test_keys_are_required(stack):
    for headers in ({}, {"Authorization": "Bearer sr_" + "x" * 43}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + make_key(stack, revoked=True)}):
        r = requests.get(stack.base + "/api/v1/sites", headers=headers)
        is_problem(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_create_and_read_sites_banks_cells(stack):
    s = api(stack, make_key(stack))
    site = create_site(stack, s)
    assert site["modules"] == {"vault": False, "storage": True, "mailroom": False}
    assert site["languages"] == ["en", "ru"]
    assert requests.get(stack.base + f"/api/v1/sites/{site['id']}", headers=s.headers).json() == site
    assert site["id"] in [x["id"] for x in s.get(stack.base + "/api/v1/sites").json()["sites"]]

    r = s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK)
    assert r.status_code == 201, r.text
    bank = r.json()
    assert r.headers["Location"] == f"/api/v1/banks/{bank['id']}"
    assert bank["cells"] == 24 and len(bank["cell_list"]) == 24
    cells = bank["cell_list"]
    assert [c["label"] for c in cells[:2]] == ["W-01", "W-02"]
    assert cells[12]["size"] == "M" and cells[12]["features"] == ["charging"]
    assert cells[20]["height_mm"] == 450 and cells[0]["status"] == "free"
    assert s.get(stack.base + f"/api/v1/sites/{site['id']}/banks").json()["banks"][0]["cells"] == 24
    assert len(s.get(stack.base + f"/api/v1/banks/{bank['id']}/cells").json()["cells"]) == 24
    cell = s.get(stack.base + f"/api/v1/cells/{cells[3]['id']}").json()
    assert cell == cells[3]
    # Every write is audited with the key as the actor.
    rows = stack.sql("SELECT action FROM audit_log WHERE actor_type = 'api' AND site_id = %s ORDER BY id", site["id"])
    assert [r[0] for r in rows] == ["site.create", "bank.create"]


def test_site_scoping(stack):
    admin = api(stack, make_key(stack))
    a, b = create_site(stack, admin), create_site(stack, admin)
    bank_b = admin.post(stack.base + f"/api/v1/sites/{b['id']}/banks", json=BANK).json()
    scoped = api(stack, make_key(stack, all_sites=False, sites=[a["id"]]))
    assert scoped.get(stack.base + f"/api/v1/sites/{a['id']}").status_code == 200
    assert [x["id"] for x in scoped.get(stack.base + "/api/v1/sites").json()["sites"]] == [a["id"]]
    for path in (f"/api/v1/sites/{b['id']}", f"/api/v1/sites/{b['id']}/banks", f"/api/v1/banks/{bank_b['id']}",
                 f"/api/v1/banks/{bank_b['id']}/cells", f"/api/v1/cells/{bank_b['cell_list'][0]['id']}",
                 "/api/v1/sites/999999", "/api/v1/sites/abc", "/api/v1/cells/0"):
        is_problem(scoped.get(stack.base + path), 404, "not_found")
    is_problem(scoped.post(stack.base + f"/api/v1/sites/{b['id']}/banks", json=BANK), 404, "not_found")
    # A scoped key cannot create sites at all.
    is_problem(scoped.post(stack.base + "/api/v1/sites", json={"name": "x"}), 403, "forbidden")


def test_read_only_key(stack):
    site = create_site(stack, api(stack, make_key(stack)))
    ro = api(stack, make_key(stack, can_write=False))
    assert ro.get(stack.base + "/api/v1/sites").status_code == 200
    is_problem(ro.post(stack.base + "/api/v1/sites", json={"name": "x"}), 403, "forbidden")
    is_problem(ro.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK), 403, "forbidden")
    assert stack.sql("SELECT COUNT(*) FROM banks WHERE site_id = %s", site["id"])[0][0] == "0"


def test_bad_requests_are_problems(stack):
    s = api(stack, make_key(stack))
    before = stack.sql("SELECT COUNT(*) FROM sites")[0][0]
    is_problem(s.post(stack.base + "/api/v1/sites", data="name=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type")
    is_problem(s.post(stack.base + "/api/v1/sites", data="{not json", headers={"Content-Type": "application/json"}), 400, "bad_json")
    is_problem(s.post(stack.base + "/api/v1/sites", json=[1, 2]), 400, "bad_json")
    body = is_problem(s.post(stack.base + "/api/v1/sites", json={"name": 5, "time_zone": "UTC", "currency": "EUR"}), 422, "validation_failed")
    assert body["field"] == "name"
    body = is_problem(s.post(stack.base + "/api/v1/sites", json={"name": "ok", "time_zone": "Mars/Base", "currency": "EUR", "languages": ["en"]}),
                      422, "validation_failed")
    assert body["field"] == "time_zone"
    body = is_problem(s.post(stack.base + "/api/v1/sites", json={"name": "ok", "time_zone": "UTC", "currency": "EUR", "languages": "en"}),
                      422, "validation_failed")
    assert body["field"] == "languages"
    is_problem(s.post(stack.base + "/api/v1/sites", data="x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"}),
               413, "body_too_large")
    is_problem(s.delete(stack.base + "/api/v1/sites"), 405, "method_not_allowed")
    is_problem(s.get(stack.base + "/api/v1/nothing"), 404, "not_found")
    assert stack.sql("SELECT COUNT(*) FROM sites")[0][0] == before
    site = create_site(stack, s)
    body = is_problem(s.post(stack.base + f"/api/v1/sites/{site['id']}/banks",
                             json={"name": "b", "groups": [{"size": "XXL", "count": 2}]}), 422, "validation_failed")
    assert body["field"] == "size"
    body = is_problem(s.post(stack.base + f"/api/v1/sites/{site['id']}/banks",
                             json={"name": "b", "groups": [{"size": "S", "count": 501}]}), 422, "validation_failed")
    assert body["field"] == "count"
    body = is_problem(s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json={"name": "b", "groups": []}), 422, "validation_failed")
    assert body["field"] == "groups"
    assert stack.sql("SELECT COUNT(*) FROM banks WHERE site_id = %s", site["id"])[0][0] == "0"


def test_duplicate_names_conflict(stack):
    s = api(stack, make_key(stack))
    site = create_site(stack, s)
    is_problem(s.post(stack.base + "/api/v1/sites", json={"name": site["name"], "time_zone": "UTC", "currency": "EUR",
                                                           "languages": ["en"]}), 409, "conflict")
    assert s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK).status_code == 201
    is_problem(s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK), 409, "conflict")


def test_hostile_strings_round_trip(stack):
    s = api(stack, make_key(stack))
    for p in ("Robert'); DROP TABLE sites;--", "<script>alert(1)</script>", "\" onmouseover=\"x", "Ünïcødé 🔒"):
        site = create_site(stack, s, name=p + " " + uuid.uuid4().hex[:4], address=p)
        assert site["address"] == p
        bank = s.post(stack.base + f"/api/v1/sites/{site['id']}/banks",
                      json={"name": p, "location": p, "groups": [{"size": "S", "count": 1}]}).json()
        assert bank["name"] == p and bank["location"] == p
        assert stack.sql("SELECT location FROM banks WHERE id = %s", bank["id"])[0][0] == p
    assert int(stack.sql("SELECT COUNT(*) FROM sites")[0][0]) > 0
