"""Small helpers shared by the integration and browser tests."""
import hashlib
import html
import re
import secrets
import subprocess
import uuid

import requests

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html):
    """The CSRF token of the first form on a page."""
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def _quote(value):
    """An SQL literal for value.  Strings are quoted for MariaDB's default
    sql_mode (backslash escapes on), which is what the private server runs."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "X'" + bytes(value).hex() + "'"
    s = (str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0")
         .replace("\n", "\\n").replace("\r", "\\r").replace("\x1a", "\\Z"))
    return "'" + s + "'"


def run_sql(sock, user, query, *params):
    """Runs SQL on database strongroom as user (socket auth) and returns the
    rows as lists of strings (NULL reads "NULL"; tabs and newlines inside
    values come back escaped as in --batch).  Each %s in query is replaced
    by the next param, quoted; write a literal % as %% when params are given."""
    if params:
        query = query % tuple(_quote(p) for p in params)
    out = subprocess.run(["mariadb", f"--user={user}", f"--socket={sock}", "--default-character-set=utf8mb4",
                          "--batch", "--skip-column-names", "strongroom", "-e", query], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"SQL failed: {query}\n{out.stderr}")
    return [line.split("\t") for line in out.stdout.splitlines()]


def uniq(prefix=""):
    """A name no other test uses."""
    return prefix + uuid.uuid4().hex[:10]


def one(stack, query, *params):
    """The single value of a query that must return exactly one row."""
    rows = stack.sql(query, *params)
    assert len(rows) == 1, rows
    return rows[0][0]


def count(stack, query, *params):
    return int(one(stack, query, *params))


def post_form(stack, s, page, action, data, **kw):
    """Submits a form the way a browser does: load its page, send its CSRF token."""
    r = s.get(stack.base + page)
    assert r.status_code == 200, (page, r.status_code, r.text[:300])
    return s.post(stack.base + action, data={"_csrf": csrf_of(r.text), **data}, allow_redirects=False, **kw)


def new_user(stack, admin, role, sites=None):
    """A staff user made through the users page (all sites unless site ids
    are given); returns (username, password)."""
    name, pw = uniq("u_"), "pw-" + uuid.uuid4().hex
    data = {"username": name, "display_name": "", "role": role, "password": pw, "active": "1"}
    if sites is None:
        data["all_sites"] = "1"
    else:
        data["sites"] = [str(x) for x in sites]
    r = post_form(stack, admin, "/admin/users/new", "/admin/users", data)
    assert r.status_code == 303, r.text[:500]
    return name, pw


def new_customer(stack, site_id, name=None):
    """A minimal vault customer written straight to the table (for tests
    whose subject is not the customer pages); returns its id."""
    name = name or "Test Customer " + uuid.uuid4().hex[:6]
    doc = "P" + uuid.uuid4().hex[:10].upper()
    stack.sql("INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry)"
              " VALUES (%s, %s, '1980-01-01', 'passport', %s, '2035-01-01')", site_id, name, doc)
    return int(one(stack, "SELECT id FROM customers WHERE doc_number = %s", doc))


PROBLEM_TYPE = "urn:strongroom:problem:"


def is_problem(r, status, code):
    """r is an RFC 9457 problem document with this status and code; returns it."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/problem+json", r.headers
    assert "<html" not in r.text.lower()
    body = r.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == PROBLEM_TYPE + code
    assert isinstance(body["title"], str) and body["title"]
    assert r.headers.get("Cache-Control") == "no-store"
    return body


def invalid(r, field, reason):
    """r is a 422 validation problem naming field and reason."""
    body = is_problem(r, 422, "validation_failed")
    assert (body.get("field"), body.get("reason")) == (field, reason), body
    assert body["detail"]
    return body


def form_of(page, form_id):
    """The inside of the form with that id."""
    m = re.search(r'<form[^>]*id="%s"[^>]*>(.*?)</form>' % re.escape(form_id), page, re.S)
    assert m, form_id
    return m.group(1)


def hidden(form, name):
    """A hidden (or any) input's value, unescaped."""
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), form)
    assert m, name
    return html.unescape(m.group(1))


class Key:
    def __init__(self, key, kid, name):
        self.key, self.id, self.name = key, kid, name


def make_key(stack, all_sites=True, can_write=True, sites=(), revoked=False, name=None):
    """An API key row as the back office makes it: sr_ + 43 base64url
    characters, stored as its BLAKE2b-256 hex hash and 8-character prefix."""
    key = "sr_" + secrets.token_urlsafe(32)
    assert len(key) == 46
    digest = hashlib.blake2b(key.encode(), digest_size=32).hexdigest()
    name = name or "test " + uuid.uuid4().hex[:8]
    stack.sql("INSERT INTO api_keys (name, prefix, key_hash, all_sites, can_write, revoked_at) "
              "VALUES (%s, %s, %s, %s, %s, " + ("UTC_TIMESTAMP()" if revoked else "NULL") + ")",
              name, key[:8], digest, int(all_sites), int(can_write))
    kid = int(stack.sql("SELECT id FROM api_keys WHERE key_hash = %s", digest)[0][0])
    for s in sites:
        stack.sql("INSERT INTO api_key_sites (key_id, site_id) VALUES (%s, %s)", kid, int(s))
    return Key(key, kid, name)


def api(key):
    """A session that sends the key (a Key or the raw text) as a bearer token."""
    s = requests.Session()
    if key:
        s.headers["Authorization"] = "Bearer " + (key.key if isinstance(key, Key) else key)
    return s
