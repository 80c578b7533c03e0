"""The JSON API against the real stack: keys, scoping, reads and writes,
problem documents, and the OpenAPI document kept in step with the routes.

Keys are inserted the way lib/apikey.c stores them (only the BLAKE2b-256
hash of the key), so every test that authenticates also proves the hash
scheme."""
import hashlib
import json
import os
import re
import subprocess
import time
import uuid

import requests
from helpers import api, count, invalid, is_problem, make_key

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def site_body(**extra):
    body = {"name": "API site " + uuid.uuid4().hex[:8], "time_zone": "Europe/Berlin", "currency": "EUR",
            "languages": ["en", "ru"], "modules": {"storage": True}}
    body.update(extra)
    return body


def create_site(stack, s, **extra):
    r = s.post(stack.base + "/api/v1/sites", json=site_body(**extra))
    assert r.status_code == 201, r.text
    return r.json()


def create_bank(stack, s, site, body=None):
    r = s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=body or BANK)
    assert r.status_code == 201, r.text
    return r.json()


BANK = {"name": "Wall", "label_prefix": "W-", "columns": 6,
        "groups": [{"size": "S", "count": 12}, {"size": "M", "count": 8, "features": ["charging"]},
                   {"size": "L", "count": 4, "width_mm": 500, "height_mm": 450, "depth_mm": 600}]}


# ---------- public routes ----------

def test_health_is_public(stack):
    r = requests.get(stack.base + "/api/v1/health")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok", "database": "ok"}


def test_database_outage_is_503_problem(stack):
    s = api(make_key(stack))
    assert s.get(stack.base + "/api/v1/sites").status_code == 200
    stack.kill_db(hold=True)
    try:
        # Every worker, not just the first one asked.
        for _ in range(4):
            r = requests.get(stack.base + "/api/v1/health")
            is_problem(r, 503, "database_unavailable")
            assert int(r.headers["Retry-After"]) > 0
            is_problem(s.get(stack.base + "/api/v1/sites"), 503, "database_unavailable")
    finally:
        stack.release_db()
    for _ in range(100):
        if requests.get(stack.base + "/api/v1/health").status_code == 200:
            break
        time.sleep(0.1)
    assert s.get(stack.base + "/api/v1/sites").status_code == 200


def _resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        assert node["$ref"].startswith("#/"), node
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_openapi_document_matches_the_routes(stack):
    r = requests.get(stack.base + "/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    doc = r.json()
    with open(os.path.join(REPO, "templates", "api", "openapi.json")) as f:
        assert doc == json.load(f)

    # Basic structure of an OpenAPI 3 document.
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    scheme = doc["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"apiKey": []}]
    for ref in _refs(doc):
        _resolve(doc, {"$ref": ref})            # every reference leads somewhere
    documented, public, op_ids = set(), set(), set()
    for path, item in doc["paths"].items():
        assert path.startswith("/api/v1/")
        for method, op in item.items():
            assert method in ("get", "post", "put", "patch", "delete"), (method, path)
            route = (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
            documented.add(route)
            if op.get("security") == []:
                public.add(route)
            assert op.get("operationId") and op["operationId"] not in op_ids, (method, path)
            op_ids.add(op["operationId"])
            assert op.get("responses"), (method, path)
            for param in re.findall(r"\{([^}]+)\}", path):
                assert any(p["name"] == param and p["in"] == "path" and p["required"]
                           for p in op.get("parameters", [])), (path, param)
            for status, resp in op["responses"].items():
                resp = _resolve(doc, resp)
                assert resp["description"]
                if status == "default" or int(status) >= 400:
                    # Every error is documented as a problem document.
                    assert list(resp["content"]) == ["application/problem+json"], (method, path, status)
            if method == "post":
                assert "application/json" in op["requestBody"]["content"]
                for status in ("401", "403", "413", "415", "422"):
                    assert status in op["responses"], (path, status)
            elif path not in ("/api/v1/health", "/api/v1/openapi.json"):
                assert "401" in op["responses"], path

    # The route table and the document, both directions.
    out = subprocess.run([stack.build + "/bin/api.fcgi", "--routes"], capture_output=True, text=True, check=True)
    routed = {tuple(line.split(" ", 1)) for line in out.stdout.splitlines() if line}
    assert routed, "api.fcgi --routes printed nothing"
    assert routed == documented, {"undocumented": routed - documented, "not routed": documented - routed}

    # What the document calls public is public, and nothing else is.
    assert public == {("GET", "/api/v1/health"), ("GET", "/api/v1/openapi.json")}
    for method, pattern in sorted(routed):
        r = requests.request(method, stack.base + pattern.replace("{}", "1"), json={})
        if (method, pattern) in public:
            assert r.status_code == 200, (method, pattern)
        else:
            is_problem(r, 401, "unauthorized")


# ---------- keys ----------

def test_keys_are_required(stack):
    good = make_key(stack)
    revoked = make_key(stack, revoked=True)
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer sr_" + "x" * 43},                  # well-formed, unknown
                    {"Authorization": "Bearer " + good.key[:-1]},                # one character short
                    {"Authorization": "Bearer " + good.key + "x"},
                    {"Authorization": "Bearer " + good.key.upper()},
                    {"Authorization": "Basic " + good.key},
                    {"Authorization": "Bearer " + hashlib.blake2b(good.key.encode(), digest_size=32).hexdigest()},
                    {"Authorization": "Bearer " + revoked.key}):
        r = requests.get(stack.base + "/api/v1/sites", headers=headers)
        body = is_problem(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer"), headers
        assert "sites" not in body
    # The same key works, so the refusals above were about the header.
    assert api(good).get(stack.base + "/api/v1/sites").status_code == 200
    assert requests.get(stack.base + "/api/v1/sites", headers={"Authorization": "bearer " + good.key}).status_code == 200


def test_revoking_a_key_takes_effect_at_once(stack):
    key = make_key(stack)
    s = api(key)
    assert s.get(stack.base + "/api/v1/sites").status_code == 200
    stack.sql("UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(6) WHERE id = %s", key.id)
    is_problem(s.get(stack.base + "/api/v1/sites"), 401, "unauthorized")
    is_problem(s.post(stack.base + "/api/v1/sites", json=site_body()), 401, "unauthorized")


def test_last_use_is_recorded_at_most_once_a_minute(stack):
    key = make_key(stack)
    assert stack.sql("SELECT last_used_at FROM api_keys WHERE id = %s", key.id)[0][0] == "NULL"
    s = api(key)
    s.get(stack.base + "/api/v1/sites")
    first = stack.sql("SELECT last_used_at FROM api_keys WHERE id = %s", key.id)[0][0]
    assert first != "NULL"
    for _ in range(3):
        s.get(stack.base + "/api/v1/sites")
    assert stack.sql("SELECT last_used_at FROM api_keys WHERE id = %s", key.id)[0][0] == first
    # An hour-old mark is stale: the next use writes a new one.
    stack.sql("UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR WHERE id = %s", key.id)
    s.get(stack.base + "/api/v1/sites")
    assert count(stack, "SELECT COUNT(*) FROM api_keys WHERE id = %s AND last_used_at > UTC_TIMESTAMP(6) "
                        "- INTERVAL 1 MINUTE", key.id) == 1


# ---------- sites, banks, cells ----------

def test_create_and_read_sites_banks_cells(stack):
    key = make_key(stack)
    s = api(key)
    r = s.post(stack.base + "/api/v1/sites", json=site_body(address="Platz 1"))
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/json"
    site = r.json()
    assert r.headers["Location"] == f"/api/v1/sites/{site['id']}"
    assert isinstance(site["id"], int)
    assert site["modules"] == {"vault": False, "storage": True, "mailroom": False}
    assert site["languages"] == ["en", "ru"] and site["address"] == "Platz 1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", site["created_at"])
    assert s.get(stack.base + f"/api/v1/sites/{site['id']}").json() == site
    assert site in s.get(stack.base + "/api/v1/sites").json()["sites"]

    r = s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK)
    assert r.status_code == 201, r.text
    bank = r.json()
    assert r.headers["Location"] == f"/api/v1/banks/{bank['id']}"
    assert bank["site_id"] == site["id"] and bank["name"] == "Wall" and bank["columns"] == 6
    assert bank["cell_count"] == 24 and len(bank["cells"]) == 24
    assert count(stack, "SELECT COUNT(*) FROM cells WHERE bank_id = %s", bank["id"]) == 24
    cells = bank["cells"]
    assert [c["number"] for c in cells] == list(range(1, 25))
    assert [c["label"] for c in cells[:2]] == ["W-01", "W-02"] and cells[23]["label"] == "W-24"
    assert [c["size"] for c in cells] == ["S"] * 12 + ["M"] * 8 + ["L"] * 4
    assert cells[0]["features"] == [] and cells[12]["features"] == ["charging"]
    assert (cells[0]["width_mm"], cells[0]["height_mm"], cells[0]["depth_mm"]) == (400, 100, 500)   # S defaults
    assert (cells[20]["width_mm"], cells[20]["height_mm"], cells[20]["depth_mm"]) == (500, 450, 600)
    assert cells[0]["status"] == "free" and cells[0]["service_reason"] is None and cells[0]["service_since"] is None
    assert all(c["site_id"] == site["id"] and c["bank_id"] == bank["id"] for c in cells)

    assert s.get(stack.base + f"/api/v1/banks/{bank['id']}").json() == bank
    listed = s.get(stack.base + f"/api/v1/sites/{site['id']}/banks").json()["banks"]
    assert listed == [{k: v for k, v in bank.items() if k != "cells"}]
    assert s.get(stack.base + f"/api/v1/banks/{bank['id']}/cells").json() == {"cells": cells}
    assert s.get(stack.base + f"/api/v1/cells/{cells[3]['id']}").json() == cells[3]

    # Every write is audited with the key as the actor, from the client's address.
    rows = stack.sql("SELECT action, actor_type, actor_id, actor_name, ip, object_type, object_id FROM audit_log "
                     "WHERE site_id = %s ORDER BY id", site["id"])
    assert rows == [["site.create", "api", str(key.id), key.name, "127.0.0.1", "site", str(site["id"])],
                    ["bank.create", "api", str(key.id), key.name, "127.0.0.1", "bank", str(bank["id"])]]
    detail = json.loads(stack.sql("SELECT detail FROM audit_log WHERE action = 'bank.create' AND object_id = %s",
                                  bank["id"])[0][0])
    assert detail["cells"] == 24


def test_long_key_names_do_not_break_writes(stack):
    name = "Ключ " + "k" * 110          # 115 characters: fits api_keys.name, not audit_log.actor_name
    key = make_key(stack, name=name)
    site = create_site(stack, api(key))
    actor = stack.sql("SELECT actor_name, actor_id FROM audit_log WHERE action = 'site.create' AND object_id = %s",
                      site["id"])[0]
    assert actor == [name[:64], str(key.id)]


def test_site_scoping(stack):
    admin = api(make_key(stack))
    a, b = create_site(stack, admin), create_site(stack, admin)
    bank_a, bank_b = create_bank(stack, admin, a), create_bank(stack, admin, b)
    scoped = api(make_key(stack, all_sites=False, sites=[a["id"]]))
    assert scoped.get(stack.base + f"/api/v1/sites/{a['id']}").json() == a
    assert [x["id"] for x in scoped.get(stack.base + "/api/v1/sites").json()["sites"]] == [a["id"]]
    assert scoped.get(stack.base + f"/api/v1/banks/{bank_a['id']}").json() == bank_a
    assert scoped.get(stack.base + f"/api/v1/cells/{bank_a['cells'][0]['id']}").status_code == 200
    # Another site's objects answer exactly like objects that do not exist.
    missing = is_problem(scoped.get(stack.base + "/api/v1/sites/999999999"), 404, "not_found")
    for path in (f"/api/v1/sites/{b['id']}", f"/api/v1/sites/{b['id']}/banks", f"/api/v1/banks/{bank_b['id']}",
                 f"/api/v1/banks/{bank_b['id']}/cells", f"/api/v1/cells/{bank_b['cells'][0]['id']}",
                 "/api/v1/banks/999999999", "/api/v1/cells/999999999", "/api/v1/sites/abc", "/api/v1/cells/0",
                 "/api/v1/cells/-1", "/api/v1/sites/1e3"):
        body = is_problem(scoped.get(stack.base + path), 404, "not_found")
        assert body == missing, path
    banks_before = count(stack, "SELECT COUNT(*) FROM banks WHERE site_id = %s", b["id"])
    is_problem(scoped.post(stack.base + f"/api/v1/sites/{b['id']}/banks", json=BANK), 404, "not_found")
    assert count(stack, "SELECT COUNT(*) FROM banks WHERE site_id = %s", b["id"]) == banks_before
    # A scoped key may write within its site, but never create sites.
    assert scoped.post(stack.base + f"/api/v1/sites/{a['id']}/banks", json=dict(BANK, name="Second")).status_code == 201
    is_problem(scoped.post(stack.base + "/api/v1/sites", json=site_body()), 403, "forbidden")


def test_read_only_key(stack):
    site = create_site(stack, api(make_key(stack)))
    ro = api(make_key(stack, can_write=False))
    assert ro.get(stack.base + f"/api/v1/sites/{site['id']}").status_code == 200
    sites_before = count(stack, "SELECT COUNT(*) FROM sites")
    is_problem(ro.post(stack.base + "/api/v1/sites", json=site_body()), 403, "forbidden")
    is_problem(ro.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK), 403, "forbidden")
    assert count(stack, "SELECT COUNT(*) FROM sites") == sites_before
    assert count(stack, "SELECT COUNT(*) FROM banks WHERE site_id = %s", site["id"]) == 0


def test_request_format_problems(stack):
    s = api(make_key(stack))
    url = stack.base + "/api/v1/sites"
    before = count(stack, "SELECT COUNT(*) FROM sites")
    good = json.dumps(site_body())
    is_problem(s.post(url, data={"name": "x", "time_zone": "UTC"}), 415, "unsupported_media_type")   # a form
    is_problem(s.post(url), 415, "unsupported_media_type")                                        # no body at all
    for ctype in ("text/plain", "application/jsonp", "text/json", "application/json-seq"):
        is_problem(s.post(url, data=good.encode(), headers={"Content-Type": ctype}), 415, "unsupported_media_type")
    for data in ("{not json", "", "{\"name\": \"a\",}", "[1, 2]", "\"text\"", "null",
                 "{\"name\": \"a\", \"name\": \"b\", \"time_zone\": \"UTC\", \"currency\": \"EUR\", \"languages\": [\"en\"]}"):
        is_problem(s.post(url, data=data.encode(), headers={"Content-Type": "application/json"}), 400, "bad_json")
    # Not UTF-8 inside a JSON string.
    r = s.post(url, data=b'{"name": "\xff\xfe", "time_zone": "UTC", "currency": "EUR", "languages": ["en"]}',
               headers={"Content-Type": "application/json"})
    is_problem(r, 400, "bad_json")
    # application/json with parameters is still JSON.
    r = s.post(url, data=good.encode(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text
    before += 1
    # The web layer's limits come back as problem documents too.
    big = json.dumps(site_body(address="x" * (2 * 1024 * 1024)))
    body = is_problem(s.post(url, data=big, headers={"Content-Type": "application/json"}), 413, "body_too_large")
    assert body["detail"]
    is_problem(s.get(url + "?q=%ff"), 400, "bad_encoding")
    r = s.delete(url)
    is_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, POST"
    r = s.put(stack.base + "/api/v1/cells/1", json={})
    is_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"
    for path in ("/api/v1/nothing", "/api/v1/sites/", "/api/v2/sites", "/api/v1/sites/1/banks/2", "/api/"):
        is_problem(s.get(stack.base + path), 404, "not_found")
        is_problem(requests.get(stack.base + path), 404, "not_found")      # no key needed to learn that
    assert count(stack, "SELECT COUNT(*) FROM sites") == before


def test_site_validation(stack):
    s = api(make_key(stack))
    url = stack.base + "/api/v1/sites"
    before = count(stack, "SELECT COUNT(*) FROM sites")
    cases = [
        ({"name": 5}, "name", "wrong_type"),
        ({"name": None}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "n" * 121}, "name", "too_long"),
        ({"address": ["x"]}, "address", "wrong_type"),
        ({"address": "a" * 256}, "address", "too_long"),
        ({"time_zone": "Mars/Base"}, "time_zone", "bad_time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "bad_time_zone"),
        ({"currency": "eur"}, "currency", "bad_currency"),
        ({"currency": 978}, "currency", "wrong_type"),
        ({"languages": "en"}, "languages", "wrong_type"),
        ({"languages": ["en,ru"]}, "languages", "wrong_type"),
        ({"languages": []}, "languages", "bad_languages"),
        ({"languages": ["de"]}, "languages", "bad_languages"),
        ({"modules": ["vault"]}, "modules", "wrong_type"),
        ({"modules": {"vault": "yes"}}, "vault", "wrong_type"),
        ({"modules": {"mailroom": 1}}, "mailroom", "wrong_type"),
    ]
    for change, field, reason in cases:
        invalid(s.post(url, json=site_body(**change)), field, reason)
    body = site_body()
    del body["time_zone"]
    invalid(s.post(url, json=body), "time_zone", "required")
    assert count(stack, "SELECT COUNT(*) FROM sites") == before
    # Unknown members are ignored; absent optional ones take their defaults.
    site = create_site(stack, s, colour="blue", modules=None)
    assert site["modules"] == {"vault": False, "storage": False, "mailroom": False} and site["address"] == ""
    assert "colour" not in site


def test_bank_validation(stack):
    s = api(make_key(stack))
    site = create_site(stack, s)
    url = stack.base + f"/api/v1/sites/{site['id']}/banks"
    one = [{"size": "S", "count": 2}]
    cases = [
        ({"groups": [{"size": "XXL", "count": 2}]}, "size", "bad_size"),
        ({"groups": [{"count": 2}]}, "size", "required"),
        ({"groups": [{"size": "S", "count": 501}]}, "count", "bad_count"),
        ({"groups": [{"size": "S", "count": 300}, {"size": "M", "count": 300}]}, "count", "bad_count"),
        ({"groups": [{"size": "S", "count": 0}]}, "count", "no_cells"),
        ({"groups": [{"size": "S", "count": -1}]}, "count", "bad_count"),
        ({"groups": [{"size": "S", "count": "12"}]}, "count", "wrong_type"),
        ({"groups": [{"size": "S", "count": 2.5}]}, "count", "wrong_type"),
        ({"groups": [{"size": "S", "count": 10 ** 12}]}, "count", "out_of_range"),
        ({"groups": [{"size": "S", "count": 2, "width_mm": 10}]}, "dimensions", "bad_dimensions"),
        ({"groups": [{"size": "S", "count": 2, "depth_mm": 3001}]}, "dimensions", "bad_dimensions"),
        ({"groups": [{"size": "S", "count": 2, "features": ["laser"]}]}, "features", "bad_features"),
        ({"groups": [{"size": "S", "count": 2, "features": "charging"}]}, "features", "wrong_type"),
        ({"groups": []}, "groups", "out_of_range"),
        ({"groups": one * 5}, "groups", "out_of_range"),
        ({"groups": {"size": "S"}}, "groups", "wrong_type"),
        ({"groups": ["S"]}, "groups", "wrong_type"),
        ({"groups": None}, "groups", "required"),
        ({"name": "", "groups": one}, "name", "required"),
        ({"name": 7, "groups": one}, "name", "wrong_type"),
        ({"groups": one, "columns": 0}, "columns", "bad_columns"),
        ({"groups": one, "columns": 49}, "columns", "bad_columns"),
        ({"groups": one, "columns": "6"}, "columns", "wrong_type"),
        ({"groups": one, "label_prefix": "p" * 17}, "label_prefix", "too_long"),
        ({"groups": one, "location": "l" * 256}, "location", "too_long"),
    ]
    for change, field, reason in cases:
        invalid(s.post(url, json={"name": "b", **change}), field, reason)
    body = dict(BANK)
    del body["groups"]
    invalid(s.post(url, json=body), "groups", "required")
    assert count(stack, "SELECT COUNT(*) FROM banks WHERE site_id = %s", site["id"]) == 0
    assert count(stack, "SELECT COUNT(*) FROM cells WHERE site_id = %s", site["id"]) == 0
    # The largest bank there may be: 500 cells, three-digit labels.
    bank = create_bank(stack, s, site, {"name": "Big", "groups": [{"size": "S", "count": 250}, {"size": "XL", "count": 250}]})
    assert bank["cell_count"] == 500 and bank["cells"][-1]["label"] == "500" and bank["cells"][0]["label"] == "001"


def test_duplicate_names_conflict(stack):
    s = api(make_key(stack))
    site = create_site(stack, s)
    before = count(stack, "SELECT COUNT(*) FROM sites")
    body = is_problem(s.post(stack.base + "/api/v1/sites", json=site_body(name=site["name"])), 409, "conflict")
    assert (body["field"], body["reason"]) == ("name", "taken")
    assert count(stack, "SELECT COUNT(*) FROM sites") == before
    create_bank(stack, s, site)
    body = is_problem(s.post(stack.base + f"/api/v1/sites/{site['id']}/banks", json=BANK), 409, "conflict")
    assert (body["field"], body["reason"]) == ("name", "taken")
    assert count(stack, "SELECT COUNT(*) FROM banks WHERE site_id = %s", site["id"]) == 1
    assert count(stack, "SELECT COUNT(*) FROM cells WHERE site_id = %s", site["id"]) == 24
    # Bank names are unique per site only.
    other = create_site(stack, s)
    create_bank(stack, s, other)
    # A refused write leaves no audit row behind.
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'bank.create' AND site_id = %s", site["id"]) == 1


PAYLOADS = ["Robert'); DROP TABLE sites;--", "<script>alert(1)</script>", "\" onmouseover=\"x", "a\\b\\\\c",
            "1 OR 1=1; --", "Ünïcødé 🔒", "tab\there\nnewline", "{{7*7}} <?cs var:Page.x ?> ${x} %s%n"]


def test_hostile_strings_round_trip(stack):
    key = make_key(stack)
    s = api(key)
    for i, p in enumerate(PAYLOADS):
        name = p + " " + uuid.uuid4().hex[:4]
        r = s.post(stack.base + "/api/v1/sites", json=site_body(name=name, address=p))
        assert r.status_code == 201, r.text
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        site = r.json()
        assert (site["name"], site["address"]) == (name, p)
        assert s.get(stack.base + f"/api/v1/sites/{site['id']}").json()["address"] == p
        prefix = p[:16]
        bank = create_bank(stack, s, site, {"name": p, "location": p, "label_prefix": prefix,
                                            "groups": [{"size": "S", "count": 1}]})
        assert (bank["name"], bank["location"]) == (p, p)
        assert bank["cells"][0]["label"] == prefix + "01"
        # Stored byte for byte, not escaped or mangled on the way in.
        stored = stack.sql("SELECT HEX(s.name), HEX(s.address), HEX(b.name), HEX(b.location) FROM sites s "
                           "JOIN banks b ON b.site_id = s.id WHERE b.id = %s", bank["id"])[0]
        assert stored == [v.encode().hex().upper() for v in (name, p, p, p)]
        assert s.get(stack.base + f"/api/v1/cells/{bank['cells'][0]['id']}").json()["label"] == prefix + "01"
    assert count(stack, "SELECT COUNT(*) FROM sites") > 0          # the table is still there
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE actor_id = %s AND actor_type = 'api'", key.id) \
        == 2 * len(PAYLOADS)
