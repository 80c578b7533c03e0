"""Small helpers shared by the integration and browser tests."""
import re

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html):
    """The CSRF token of the first form on a page."""
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)
