"""Small helpers shared by the integration and browser tests."""
import re
import uuid

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html):
    """The CSRF token of the first form on a page."""
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


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
