"""Lock boards in the back office and the API, without relying on boardd:
buses and boards (every validation, another site's ids, CSRF, roles),
wiring banks, the doors document and the live grid, alarms and their
acknowledgement, the open-cell form and the API's open.

Every test works on a site of its own, so the demo buses do not interfere.
The buses made here are switched off unless a test needs one on: boardd
leaves a switched-off bus alone, so the door states and alarms written
here stay as written whether or not a boardd runs in the stack.  Where a
test asks boardd for something it checks only what holds either way, and
the "not reachable" answer only when no boardd socket exists."""
import contextlib
import html
import json
import os
import re
import socket
import stat
import threading

import pytest
import requests

from helpers import api, count, csrf_of, form_of, hidden, invalid, is_problem, make_key, new_user, one, post_form, uniq

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTCOMES = {"opened", "acknowledged", "jammed", "no_answer", "expired", "unknown", "refused"}
OPEN_RESULTS = OUTCOMES | {"unreachable", "no_reply", "not_wired", "rejected", "bad_reply"}


# ---------- helpers ----------

def _lang_blocks():
    for name in ("en.hdf", os.path.join("en", "boards.hdf")):
        with open(os.path.join(REPO, "templates", "lang", name), encoding="utf-8") as f:
            yield f.read()


def message(key):
    """The English text of errors.field.<key>."""
    for text in _lang_blocks():
        block = re.search(r"\n  field \{\n(.*?)\n  \}", text, re.S)
        m = block and re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block.group(1), re.M)
        if m:
            return m.group(1).strip()
    raise KeyError(key)


def outcome_text(key):
    text = open(os.path.join(REPO, "templates", "lang", "en", "boards.hdf"), encoding="utf-8").read()
    block = re.search(r"\n  outcomes \{\n(.*?)\n  \}", text, re.S).group(1)
    return re.search(r"^\s*" + re.escape(key) + r" = (.*)$", block, re.M).group(1).strip()


def shows_error(r, key, status=422):
    assert r.status_code == status, (r.status_code, r.text[:400])
    assert 'class="flash error"' in r.text
    assert message(key) in html.unescape(r.text), key


def boardd_socket(stack):
    return os.path.exists(os.path.join(stack.var, "run", "boardd.sock"))


@pytest.fixture
def admin(stack, login):
    return login("admin", stack.creds["admin"])


@pytest.fixture
def operator(stack, login):
    return login("operator", stack.creds["operator"])


def user(stack, admin, login, role, sites=None):
    name, pw = new_user(stack, admin, role, sites)
    return login(name, pw), name


def new_site(stack, s):
    r = post_form(stack, s, "/admin/sites/new", "/admin/sites",
                  {"name": uniq("Boards site "), "time_zone": "Europe/Berlin", "currency": "EUR",
                   "languages": ["en"], "modules": ["storage"]})
    assert r.status_code == 303, r.text[:300]
    return int(re.search(r"/admin/sites/(\d+)", r.headers["Location"]).group(1))


def new_bank(stack, s, site, n=6):
    r = post_form(stack, s, f"/admin/sites/{site}/banks/new", f"/admin/sites/{site}/banks",
                  {"name": uniq("Bank "), "columns": "6", "count_S": str(n)})
    assert r.status_code == 303, r.text[:300]
    return int(re.search(r"bank=(\d+)", r.headers["Location"]).group(1))


def cells_of(stack, bank):
    return [int(r[0]) for r in stack.sql("SELECT id FROM cells WHERE bank_id = %s ORDER BY number", bank)]


def bus_form(**kw):
    d = {"name": uniq("Bus "), "device": "/dev/strongroom-test-" + uniq(), "protocol": "cu", "baud": "9600",
         "poll_ms": "500", "reply_timeout_ms": "100", "retries": "2", "open_confirm_ms": "3000",
         "door_open_alarm_s": "120", "silent_after": "3"}
    enabled = kw.pop("enabled", False)
    if enabled:
        d["enabled"] = "1"
    d.update(kw)
    return d


def create_bus(stack, s, site, **kw):
    data = bus_form(**kw)
    r = post_form(stack, s, f"/admin/sites/{site}/buses/new", f"/admin/sites/{site}/buses", data)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"].startswith(f"/admin/sites/{site}/buses?done=bus_saved")
    return int(one(stack, "SELECT id FROM board_buses WHERE site_id = %s AND name = %s", site, data["name"]))


def create_board(stack, s, bus, address, channels=16, **kw):
    data = {"address": str(address), "channels": str(channels), "pulse_ms": "500", "timed_pulse": "1", **kw}
    r = post_form(stack, s, f"/admin/buses/{bus}/boards/new", f"/admin/buses/{bus}/boards", data)
    assert r.status_code == 303, r.text[:500]
    return int(one(stack, "SELECT id FROM boards WHERE bus_id = %s AND address = %s", bus, address))


def wire(stack, s, bank, board, first, sensor=True):
    data = {"board": str(board), "first_channel": str(first), "action": "wire"}
    if sensor:
        data["has_sensor"] = "1"
    return post_form(stack, s, f"/admin/banks/{bank}", f"/admin/banks/{bank}/wire", data)


def locks(stack, bank):
    return stack.sql("SELECT c.number, l.board_id, l.channel, l.has_sensor FROM cells c "
                     "JOIN cell_locks l ON l.cell_id = c.id WHERE c.bank_id = %s ORDER BY c.number", bank)


def audit_count(stack, action, object_id):
    return count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = %s AND object_id = %s", action, object_id)


@pytest.fixture
def wired(stack, admin):
    """A fresh site with a switched-off CU bus, a 16-channel board and a
    6-cell bank wired to channels 1-6: (site, bus, board, bank, cells)."""
    site = new_site(stack, admin)
    bus = create_bus(stack, admin, site)
    board = create_board(stack, admin, bus, 1)
    bank = new_bank(stack, admin, site, 6)
    r = wire(stack, admin, bank, board, 1)
    assert r.status_code == 303, r.text[:500]
    return site, bus, board, bank, cells_of(stack, bank)


# ---------- buses ----------

def test_bus_is_created_edited_audited_and_listed(stack, admin):
    site = new_site(stack, admin)
    page = admin.get(f"{stack.base}/admin/sites/{site}/buses")
    assert page.status_code == 200
    assert "This site has no buses yet." in page.text
    # The site page and the grid lead here.
    assert f'/admin/sites/{site}/buses"' in admin.get(f"{stack.base}/admin/sites/{site}").text
    name = "Hall <b>" + uniq()
    bus = create_bus(stack, admin, site, name=name, protocol="modbus", baud="19200", poll_ms="250",
                     reply_timeout_ms="50", retries="0", open_confirm_ms="2000", door_open_alarm_s="60",
                     silent_after="5")
    row = stack.sql("SELECT name, protocol, baud, poll_ms, reply_timeout_ms, retries, open_confirm_ms,"
                    " door_open_alarm_s, silent_after, enabled FROM board_buses WHERE id = %s", bus)[0]
    assert row == [name, "modbus", "19200", "250", "50", "0", "2000", "60", "5", "0"]
    assert audit_count(stack, "bus.create", bus) == 1
    detail = json.loads(one(stack, "SELECT detail FROM audit_log WHERE action = 'bus.create' AND object_id = %s", bus))
    assert detail["name"] == name and detail["protocol"] == "modbus" and detail["enabled"] is False
    page = admin.get(f"{stack.base}/admin/sites/{site}/buses").text
    assert "Hall &lt;b&gt;" in page and "Hall <b>" not in page
    # boardd answering or not, the page is never an error.
    assert ("boardd-unreachable" in page) != ("Live (boardd)" in page)
    if not boardd_socket(stack):
        assert "boardd-unreachable" in page

    edit = admin.get(f"{stack.base}/admin/buses/{bus}/edit")
    assert edit.status_code == 200 and 'name="device"' in edit.text
    # After a change boardd is told to reload; when it cannot be, the change stands with a notice.
    r = admin.post(f"{stack.base}/admin/buses/{bus}/edit", data={"_csrf": csrf_of(edit.text), **bus_form(name=name)},
                   allow_redirects=False)
    assert r.status_code == 303
    if not boardd_socket(stack):
        assert r.headers["Location"].endswith("&reload=failed")
        notice = re.search(r'<p class="flash warn" role="status">(.*?)</p>', admin.get(stack.base + r.headers["Location"]).text)
        assert notice and "could not be told to reload" in notice.group(1)
    data = bus_form(name=name + " 2", protocol="modbus", baud="115200", enabled=True)
    r = admin.post(f"{stack.base}/admin/buses/{bus}/edit", data={"_csrf": csrf_of(edit.text), **data},
                   allow_redirects=False)
    assert r.status_code == 303
    assert stack.sql("SELECT name, baud, enabled, device FROM board_buses WHERE id = %s", bus)[0] == \
        [name + " 2", "115200", "1", data["device"]]
    assert audit_count(stack, "bus.update", bus) == 2
    # Switched off again, so boardd leaves it alone.
    data["enabled"] = ""
    r = admin.post(f"{stack.base}/admin/buses/{bus}/edit", data={"_csrf": csrf_of(edit.text), **data},
                   allow_redirects=False)
    assert r.status_code == 303
    assert one(stack, "SELECT enabled FROM board_buses WHERE id = %s", bus) == "0"


BUS_CASES = [
    ({"name": ""}, "required"),
    ({"name": "   "}, "required"),
    ({"name": "x" * 65}, "too_long"),
    ({"device": ""}, "required"),
    ({"device": "/dev/tty USB0"}, "bad_device"),
    ({"device": "../../etc/passwd"}, "bad_device"),
    ({"device": "sim/../../x"}, "bad_device"),
    ({"baud": "1234"}, "bad_baud"),
    ({"baud": "fast"}, "bad_baud"),
    ({"protocol": "rs485"}, "bad_protocol"),
    ({"protocol": ""}, "bad_protocol"),
    ({"poll_ms": "49"}, "bad_poll_ms"),
    ({"poll_ms": "60001"}, "bad_poll_ms"),
    ({"poll_ms": ""}, "bad_poll_ms"),
    ({"reply_timeout_ms": "4"}, "bad_reply_timeout"),
    ({"reply_timeout_ms": "5001"}, "bad_reply_timeout"),
    ({"retries": "6"}, "bad_retries"),
    ({"retries": "-1"}, "bad_retries"),
    ({"open_confirm_ms": "99"}, "bad_open_confirm"),
    ({"open_confirm_ms": "60001"}, "bad_open_confirm"),
    ({"door_open_alarm_s": "4"}, "bad_door_open_alarm"),
    ({"door_open_alarm_s": "86401"}, "bad_door_open_alarm"),
    ({"silent_after": "0"}, "bad_silent_after"),
    ({"silent_after": "101"}, "bad_silent_after"),
    ({"silent_after": "1e2"}, "bad_silent_after"),
    # boardd opens what is named here: an absolute path must be a device.
    ({"device": "/etc/passwd"}, "bad_device"),
    ({"device": "/dev/"}, "bad_device"),
    ({"device": "/devices/x"}, "bad_device"),
]


def test_bus_validation_names_the_field_and_writes_nothing(stack, admin):
    site = new_site(stack, admin)
    page = admin.get(f"{stack.base}/admin/sites/{site}/buses/new")
    csrf = csrf_of(page.text)
    for change, code in BUS_CASES:
        r = admin.post(f"{stack.base}/admin/sites/{site}/buses", data={"_csrf": csrf, **bus_form(**change)})
        shows_error(r, code)
        # What was typed comes back.
        field, value = next(iter(change.items()))
        if field in ("name", "device") and value.strip():
            assert html.escape(value, quote=True).replace("&#x27;", "&#39;") in r.text, change
    assert count(stack, "SELECT COUNT(*) FROM board_buses WHERE site_id = %s", site) == 0
    # Names are unique per site, not across sites.
    first = create_bus(stack, admin, site, name="Main bus")
    r = admin.post(f"{stack.base}/admin/sites/{site}/buses", data={"_csrf": csrf, **bus_form(name="Main bus")})
    shows_error(r, "taken")
    other = new_site(stack, admin)
    create_bus(stack, admin, other, name="Main bus")
    # An edit is validated the same way, and a taken name is refused there too.
    second = create_bus(stack, admin, site, name="Second bus")
    for change, code in BUS_CASES[:6] + [({"name": "Main bus"}, "taken")]:
        r = admin.post(f"{stack.base}/admin/buses/{second}/edit", data={"_csrf": csrf, **bus_form(**change)})
        shows_error(r, code)
    assert one(stack, "SELECT name FROM board_buses WHERE id = %s", second) == "Second bus"
    assert audit_count(stack, "bus.update", second) == 0
    assert first != second
    # A relative device (a simulator terminal under the state directory) is still taken.
    create_bus(stack, admin, site, device="sim/bus-" + uniq())


# ---------- boards ----------

def test_boards_are_created_edited_and_validated(stack, admin):
    site = new_site(stack, admin)
    cu = create_bus(stack, admin, site)
    mb = create_bus(stack, admin, site, protocol="modbus")
    board = create_board(stack, admin, cu, 0, channels=12, timed_pulse="", pulse_ms="300")
    assert stack.sql("SELECT address, channels, timed_pulse, pulse_ms, status FROM boards WHERE id = %s", board)[0] == \
        ["0", "12", "0", "300", "unknown"]
    assert audit_count(stack, "board.create", board) == 1
    page = admin.get(f"{stack.base}/admin/buses/{cu}/boards/new")
    csrf = csrf_of(page.text)

    def post(bus, **kw):
        data = {"address": "5", "channels": "16", "pulse_ms": "500", "timed_pulse": "1", **kw}
        return admin.post(f"{stack.base}/admin/buses/{bus}/boards", data={"_csrf": csrf, **data},
                          allow_redirects=False)

    shows_error(post(cu, address="32"), "bad_address_cu")
    shows_error(post(cu, address="-1"), "bad_address_cu")
    shows_error(post(cu, address="x"), "bad_address_cu")
    shows_error(post(mb, address="0"), "bad_address_modbus")
    shows_error(post(mb, address="248"), "bad_address_modbus")
    shows_error(post(cu, channels="0"), "bad_channels")
    shows_error(post(cu, channels="49"), "bad_channels")
    shows_error(post(cu, pulse_ms="99"), "bad_pulse_ms")
    shows_error(post(cu, pulse_ms="10001"), "bad_pulse_ms")
    shows_error(post(cu, address="0"), "address_taken")          # unique per bus
    assert count(stack, "SELECT COUNT(*) FROM boards WHERE bus_id IN (%s, %s)", cu, mb) == 1
    assert post(mb, address="247").status_code == 303
    assert post(cu, address="31", channels="48").status_code == 303

    # Edit: the same checks, and the address stays unique.
    other = create_board(stack, admin, cu, 7)
    edit = admin.get(f"{stack.base}/admin/boards/{other}/edit")
    assert edit.status_code == 200 and 'value="7"' in edit.text

    def change(**kw):
        data = {"address": "7", "channels": "16", "pulse_ms": "500", "timed_pulse": "1", **kw}
        return admin.post(f"{stack.base}/admin/boards/{other}/edit", data={"_csrf": csrf, **data},
                          allow_redirects=False)

    shows_error(change(address="0"), "address_taken")
    shows_error(change(channels="49"), "bad_channels")
    r = change(address="8", channels="24")
    assert r.status_code == 303
    assert stack.sql("SELECT address, channels FROM boards WHERE id = %s", other)[0] == ["8", "24"]
    assert audit_count(stack, "board.update", other) == 1

    # A protocol change the boards' addresses do not fit is refused.
    bad = admin.post(f"{stack.base}/admin/buses/{cu}/edit",
                     data={"_csrf": csrf, **bus_form(name="cu bus", protocol="modbus")})
    shows_error(bad, "boards_out_of_range")
    assert one(stack, "SELECT protocol FROM board_buses WHERE id = %s", cu) == "cu"

    # Diagnostics: what boardd wrote, the last answer in the site's time.
    stack.sql("UPDATE boards SET firmware = '2.7', status = 'silent', last_answer_at = '2026-01-15 12:00:00',"
              " frames_ok = 1200, timeouts = 3, bad_frames = 1, last_error = 'timeout <x>' WHERE id = %s", board)
    page = admin.get(f"{stack.base}/admin/sites/{site}/buses").text
    row = re.search(r'<tr data-board="%d">(.*?)</tr>' % board, page, re.S).group(1)
    assert "2.7" in row and "Silent" in row and "1200 / 3 / 1" in row
    assert "2026-01-15 13:00:00" in row                       # Europe/Berlin in winter
    assert "timeout &lt;x&gt;" in row


def test_board_cannot_shrink_under_wired_cells(stack, admin, wired):
    site, bus, board, bank, cells = wired
    edit = admin.get(f"{stack.base}/admin/boards/{board}/edit")
    r = admin.post(f"{stack.base}/admin/boards/{board}/edit",
                   data={"_csrf": csrf_of(edit.text), "address": "1", "channels": "5", "pulse_ms": "500"})
    shows_error(r, "channels_wired")
    r = admin.post(f"{stack.base}/admin/boards/{board}/edit",
                   data={"_csrf": csrf_of(edit.text), "address": "1", "channels": "6", "pulse_ms": "500"},
                   allow_redirects=False)
    assert r.status_code == 303


# ---------- scope, roles, CSRF ----------

def test_other_sites_roles_and_csrf(stack, admin, login):
    site_a = new_site(stack, admin)
    site_b = new_site(stack, admin)
    bus_b = create_bus(stack, admin, site_b)
    board_b = create_board(stack, admin, bus_b, 1)
    bank_b = new_bank(stack, admin, site_b, 2)
    bus_a = create_bus(stack, admin, site_a)
    board_a = create_board(stack, admin, bus_a, 1)
    bank_a = new_bank(stack, admin, site_a, 2)

    scoped, _ = user(stack, admin, login, "admin", sites=[site_a])
    csrf = csrf_of(scoped.get(f"{stack.base}/admin/sites/{site_a}/buses").text)
    for path in (f"/admin/sites/{site_b}/buses", f"/admin/sites/{site_b}/buses/new", f"/admin/buses/{bus_b}/edit",
                 f"/admin/buses/{bus_b}/boards/new", f"/admin/boards/{board_b}/edit", f"/admin/sites/{site_b}/doors",
                 "/admin/sites/999999999/buses", "/admin/buses/999999999/edit", "/admin/boards/999999999/edit"):
        assert scoped.get(stack.base + path).status_code == 404, path
    posts = [(f"/admin/sites/{site_b}/buses", bus_form()), (f"/admin/buses/{bus_b}/edit", bus_form()),
             (f"/admin/buses/{bus_b}/boards", {"address": "9", "channels": "8", "pulse_ms": "500"}),
             (f"/admin/boards/{board_b}/edit", {"address": "9", "channels": "8", "pulse_ms": "500"}),
             (f"/admin/buses/{bus_b}/scan", {}),
             (f"/admin/banks/{bank_b}/wire", {"board": str(board_b), "first_channel": "1"})]
    for path, data in posts:
        assert scoped.post(stack.base + path, data={"_csrf": csrf, **data}).status_code == 404, path
    # Another site's board cannot be wired to one's own bank either.
    r = scoped.post(f"{stack.base}/admin/banks/{bank_a}/wire",
                    data={"_csrf": csrf, "board": str(board_b), "first_channel": "1"})
    shows_error(r, "bad_board")
    assert count(stack, "SELECT COUNT(*) FROM boards WHERE bus_id = %s", bus_b) == 1
    assert count(stack, "SELECT COUNT(*) FROM cell_locks l JOIN cells c ON c.id = l.cell_id WHERE c.bank_id IN (%s, %s)",
                 bank_a, bank_b) == 0

    # Roles: operators and cashiers see the buses, only administrators change them.
    for role in ("operator", "cashier", "auditor"):
        s, _ = user(stack, admin, login, role)
        assert s.get(f"{stack.base}/admin/sites/{site_a}/buses").status_code == 200, role
        page = s.get(f"{stack.base}/admin/sites/{site_a}/buses").text
        assert f"/admin/buses/{bus_a}/edit" not in page, role
        token = csrf_of(page)
        for path in (f"/admin/sites/{site_a}/buses/new", f"/admin/buses/{bus_a}/edit",
                     f"/admin/buses/{bus_a}/boards/new", f"/admin/boards/{board_a}/edit"):
            assert s.get(stack.base + path).status_code == 403, (role, path)
        for path, data in [(f"/admin/sites/{site_a}/buses", bus_form()), (f"/admin/buses/{bus_a}/edit", bus_form()),
                           (f"/admin/buses/{bus_a}/boards", {"address": "9", "channels": "8", "pulse_ms": "500"}),
                           (f"/admin/boards/{board_a}/edit", {"address": "9", "channels": "8", "pulse_ms": "500"}),
                           (f"/admin/buses/{bus_a}/scan", {}),
                           (f"/admin/banks/{bank_a}/wire", {"board": str(board_a), "first_channel": "1"})]:
            assert s.post(stack.base + path, data={"_csrf": token, **data}).status_code == 403, (role, path)
        assert "wire-form" not in s.get(f"{stack.base}/admin/banks/{bank_a}").text, role

    # No state-changing form works without the session's CSRF token.
    audits = count(stack, "SELECT COUNT(*) FROM audit_log")
    own = [(f"/admin/sites/{site_a}/buses", bus_form()), (f"/admin/buses/{bus_a}/edit", bus_form()),
           (f"/admin/buses/{bus_a}/boards", {"address": "9", "channels": "8", "pulse_ms": "500"}),
           (f"/admin/boards/{board_a}/edit", {"address": "9", "channels": "8", "pulse_ms": "500"}),
           (f"/admin/buses/{bus_a}/scan", {}),
           (f"/admin/banks/{bank_a}/wire", {"board": str(board_a), "first_channel": "1"})]
    for path, data in own:
        for token in (None, "", "forged" * 7, csrf_of(requests.get(stack.base + "/admin/login").text)):
            body = dict(data)
            if token is not None:
                body["_csrf"] = token
            assert admin.post(stack.base + path, data=body, allow_redirects=False).status_code == 403, (path, token)
    assert count(stack, "SELECT COUNT(*) FROM audit_log") == audits


# ---------- wiring ----------

def test_wiring_a_bank_maps_cells_in_number_order(stack, admin):
    site = new_site(stack, admin)
    bus = create_bus(stack, admin, site)
    board = create_board(stack, admin, bus, 3)
    bank = new_bank(stack, admin, site, 6)
    page = admin.get(f"{stack.base}/admin/banks/{bank}")
    assert "wire-form" in page.text and "No lock" in page.text
    r = wire(stack, admin, bank, board, 3)
    assert r.status_code == 303 and r.headers["Location"].startswith(f"/admin/banks/{bank}?done=wired")
    assert locks(stack, bank) == [[str(n), str(board), str(n + 2), "1"] for n in range(1, 7)]
    detail = json.loads(one(stack, "SELECT detail FROM audit_log WHERE action = 'bank.wire' AND object_id = %s", bank))
    assert detail == {"board_id": board, "first_channel": 3, "last_channel": 8, "has_sensor": True, "cells": 6}
    page = admin.get(stack.base + r.headers["Location"]).text
    assert "The bank&#39;s cells are wired." in page or "The bank's cells are wired." in html.unescape(page)
    row = re.search(r'<tr data-cell="%d">(.*?)</tr>' % cells_of(stack, bank)[0], page, re.S).group(1)
    assert "address 3" in row and "channel 3" in row
    # The cell page shows its lock.
    cell_page = admin.get(f"{stack.base}/admin/cells/{cells_of(stack, bank)[5]}").text
    lock = re.search(r'<dd id="lock">(.*?)</dd>', cell_page, re.S).group(1)
    assert "address 3" in lock and "channel 8" in lock and "door sensor" in lock

    # Wiring again replaces the bank's locks.
    assert wire(stack, admin, bank, board, 1, sensor=False).status_code == 303
    assert locks(stack, bank) == [[str(n), str(board), str(n), "0"] for n in range(1, 7)]
    assert "no door sensor" in admin.get(f"{stack.base}/admin/cells/{cells_of(stack, bank)[0]}").text

    # A second bank: clashes and too few channels are refused, with nothing changed.
    bank2 = new_bank(stack, admin, site, 6)
    shows_error(wire(stack, admin, bank2, board, 4), "channel_taken")
    shows_error(wire(stack, admin, bank2, board, 12), "too_few_channels")
    shows_error(wire(stack, admin, bank2, board, 0), "bad_channel")
    shows_error(wire(stack, admin, bank2, board, 17), "bad_channel")
    shows_error(wire(stack, admin, bank2, board, "x"), "bad_channel")
    shows_error(wire(stack, admin, bank2, "", 1), "bad_board")
    shows_error(wire(stack, admin, bank2, 999999999, 1), "bad_board")
    assert locks(stack, bank2) == []
    assert wire(stack, admin, bank2, board, 7).status_code == 303
    assert [r[2] for r in locks(stack, bank2)] == [str(c) for c in range(7, 13)]
    # A bank bigger than the board's channels cannot go on it.
    big = new_bank(stack, admin, site, 20)
    other = create_board(stack, admin, bus, 4)
    shows_error(wire(stack, admin, big, other, 1), "too_few_channels")

    # Removing a bank's locks.
    r = post_form(stack, admin, f"/admin/banks/{bank}", f"/admin/banks/{bank}/wire", {"action": "unwire"})
    assert r.status_code == 303 and "done=unwired" in r.headers["Location"]
    assert locks(stack, bank) == [] and len(locks(stack, bank2)) == 6
    assert audit_count(stack, "bank.unwire", bank) == 1
    assert "unwire-form" not in admin.get(f"{stack.base}/admin/banks/{bank}").text


# ---------- doors ----------

def test_doors_document_and_live_grid(stack, admin, login, wired):
    site, bus, board, bank, cells = wired
    other_bank = new_bank(stack, admin, site, 2)               # not wired: not in the document
    c1, c2, c3 = cells[0], cells[1], cells[2]
    stack.sql("INSERT INTO door_states (cell_id, site_id, door, occupied) VALUES (%s, %s, 'open', 1),"
              " (%s, %s, 'closed', NULL), (%s, %s, 'closed', 0)", c1, site, c2, site, c3, site)
    # The board went silent first; then c1's door was left open; an old, finished alarm on c2.
    stack.sql("INSERT INTO door_alarms (site_id, kind, board_id, detail) VALUES (%s, 'board_silent', %s, 'no answer')",
              site, board)
    stack.sql("INSERT INTO door_alarms (site_id, kind, cell_id, detail) VALUES (%s, 'door_left_open', %s, 'open 5 min')",
              site, c1)
    stack.sql("INSERT INTO door_alarms (site_id, kind, cell_id, cleared_at, acked_at, acked_by, ack_note)"
              " VALUES (%s, 'door_forced', %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'x', 'ok')", site, c2)
    r = admin.get(f"{stack.base}/admin/sites/{site}/doors")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert set(doc) == {"cells"}
    assert set(doc["cells"]) == {str(c) for c in cells}
    assert doc["cells"][str(c1)] == {"door": "open", "occupied": 1, "alarm": "door_left_open"}
    assert doc["cells"][str(c2)] == {"door": "closed", "occupied": None, "alarm": "board_silent"}
    assert doc["cells"][str(c3)] == {"door": "closed", "occupied": 0, "alarm": "board_silent"}
    assert doc["cells"][str(cells[3])] == {"door": "unknown", "occupied": None, "alarm": "board_silent"}
    # Cleared but not acknowledged still counts; cleared and acknowledged does not.
    stack.sql("UPDATE door_alarms SET cleared_at = UTC_TIMESTAMP(6) WHERE site_id = %s AND kind = 'board_silent'", site)
    assert admin.get(f"{stack.base}/admin/sites/{site}/doors").json()["cells"][str(c3)]["alarm"] == "board_silent"
    stack.sql("UPDATE door_alarms SET acked_at = UTC_TIMESTAMP(6), acked_by = 't', ack_note = 'n'"
              " WHERE site_id = %s AND kind = 'board_silent'", site)
    doc = admin.get(f"{stack.base}/admin/sites/{site}/doors").json()
    assert doc["cells"][str(c3)]["alarm"] is None and doc["cells"][str(c1)]["alarm"] == "door_left_open"
    assert str(cells_of(stack, other_bank)[0]) not in doc["cells"]

    # Anyone who may see the grid may read it; nobody may read another site's.
    cashier, _ = user(stack, admin, login, "cashier", sites=[site])
    assert cashier.get(f"{stack.base}/admin/sites/{site}/doors").json() == doc
    other = new_site(stack, admin)
    assert cashier.get(f"{stack.base}/admin/sites/{other}/doors").status_code == 404
    assert cashier.get(f"{stack.base}/admin/sites/0/doors").status_code == 404
    assert requests.get(f"{stack.base}/admin/sites/{site}/doors", allow_redirects=False).status_code == 303

    # The grid: every cell anchor carries its id; the open door and the
    # live alarm are listed above the (cached) grid for pages without script.
    grid = admin.get(f"{stack.base}/admin/sites/{site}/grid").text
    assert f'data-doors="/admin/sites/{site}/doors"' in grid
    # A site without locks has nothing to poll, until its first bank is
    # wired (the doors fragment is cached, and the wiring renews it).
    bare = new_site(stack, admin)
    assert "data-doors" not in admin.get(f"{stack.base}/admin/sites/{bare}/grid").text
    bare_bank = new_bank(stack, admin, bare, n=2)
    board = create_board(stack, admin, create_bus(stack, admin, bare), 1)
    assert wire(stack, admin, bare_bank, board, 1).status_code == 303
    assert f'data-doors="/admin/sites/{bare}/doors"' in admin.get(f"{stack.base}/admin/sites/{bare}/grid").text
    for c in cells:
        assert f'data-cell="{c}"' in grid
    assert grid.count('<a class="st-') == 8
    now = re.search(r'<section class="doors-now card" id="doors-now">(.*?)</section>', grid, re.S).group(1)
    label = one(stack, "SELECT label FROM cells WHERE id = %s", c1)
    assert f'/admin/cells/{c1}">{label}</a>' in now
    assert "Door left open" in now and "Open doors" in now
    # The doors fragment is cached under the site's doors version, which
    # every change of a door or an alarm moves: a closed door leaves at once.
    stack.sql("UPDATE door_states SET door = 'closed' WHERE cell_id = %s", c1)
    stack.sql("UPDATE door_alarms SET cleared_at = UTC_TIMESTAMP(6), acked_at = UTC_TIMESTAMP(6), acked_by = 't',"
              " ack_note = 'n' WHERE site_id = %s", site)
    assert "doors-now" not in admin.get(f"{stack.base}/admin/sites/{site}/grid").text

    # The cell page shows the door and its history.
    stack.sql("INSERT INTO door_events (site_id, cell_id, door, occupied, at) VALUES"
              " (%s, %s, 'open', 1, '2026-01-15 12:00:00'), (%s, %s, 'closed', 1, '2026-01-15 12:01:00')",
              site, c1, site, c1)
    page = admin.get(f"{stack.base}/admin/cells/{c1}").text
    events = re.search(r'<table class="list compact" id="events">(.*?)</table>', page, re.S).group(1)
    assert events.index("2026-01-15 13:01:00") < events.index("2026-01-15 13:00:00")   # newest first, local time
    assert 'id="door-state"><span class="door-state door-closed">Closed' in page


def test_grid_doors_follow_labels_bus_names_and_zone(stack, admin, wired):
    """The cached doors fragment shows cell labels, bus names, board
    addresses and site-local times: a change of any of them shows at once."""
    site, bus, board, bank, cells = wired
    c1, c2 = cells[0], cells[1]
    stack.sql("INSERT INTO door_states (cell_id, site_id, door, occupied, changed_at)"
              " VALUES (%s, %s, 'open', 1, '2026-01-15 12:00:00')", c1, site)
    raise_alarm(stack, site, "door_left_open", cell=c2)
    raise_alarm(stack, site, "board_silent", board=board)

    def now():
        page = admin.get(f"{stack.base}/admin/sites/{site}/grid").text
        return html.unescape(re.search(r'<section class="doors-now card" id="doors-now">(.*?)</section>',
                                       page, re.S).group(1))

    bus_name = one(stack, "SELECT name FROM board_buses WHERE id = %s", bus)
    first = now()
    assert bus_name in first and "board 1" in first
    assert "since 2026-01-15 13:00:00" in first                               # Europe/Berlin in winter
    assert now() == first                                                     # served again, from the cache

    # Relabelled cells: the open door and the live alarm show the new labels.
    for c in (c1, c2):
        row = stack.sql("SELECT size_class, width_mm, height_mm, depth_mm FROM cells WHERE id = %s", c)[0]
        r = post_form(stack, admin, f"/admin/cells/{c}", f"/admin/cells/{c}/edit",
                      {"label": f"R{c}", "size": row[0], "width": row[1], "height": row[2], "depth": row[3]})
        assert r.status_code == 303, r.text[:300]
    section = now()
    assert f'/admin/cells/{c1}">R{c1}</a>' in section and f'/admin/cells/{c2}">R{c2}</a>' in section

    # A renamed bus and a board on another address.
    renamed = uniq("Renamed bus ")
    r = post_form(stack, admin, f"/admin/buses/{bus}/edit", f"/admin/buses/{bus}/edit", bus_form(name=renamed))
    assert r.status_code == 303, r.text[:300]
    r = post_form(stack, admin, f"/admin/boards/{board}/edit", f"/admin/boards/{board}/edit",
                  {"address": "2", "channels": "16", "pulse_ms": "500", "timed_pulse": "1"})
    assert r.status_code == 303, r.text[:300]
    section = now()
    assert renamed in section and bus_name not in section and "board 2" in section

    # Another time zone: the open door's time follows.
    r = post_form(stack, admin, f"/admin/sites/{site}/edit", f"/admin/sites/{site}/edit",
                  {"name": one(stack, "SELECT name FROM sites WHERE id = %s", site), "time_zone": "UTC",
                   "currency": "EUR", "languages": ["en"], "modules": ["storage"]})
    assert r.status_code == 303, r.text[:300]
    section = now()
    assert "since 2026-01-15 12:00:00" in section and "since 2026-01-15 13:00:00" not in section


def test_static_files_have_the_live_grid(stack):
    js = requests.get(stack.base + "/static/app.js").text
    assert "data-doors" in js and "data-poll-interval" in js
    for cls in ("door-open", "door-unknown", "item-in", "alarm"):
        assert cls in js
    css = requests.get(stack.base + "/static/style.css").text
    assert ".grid > a.door-open" in css and ".grid > a.alarm" in css


# ---------- alarms ----------

def raise_alarm(stack, site, kind="door_left_open", cell=None, board=None, detail="", cleared=False):
    stack.sql("INSERT INTO door_alarms (site_id, kind, cell_id, board_id, detail, cleared_at) VALUES"
              " (%s, %s, %s, %s, %s, " + ("UTC_TIMESTAMP(6)" if cleared else "NULL") + ")",
              site, kind, cell, board, detail)
    return int(one(stack, "SELECT MAX(id) FROM door_alarms WHERE site_id = %s", site))


def alarm_ids(page):
    return [int(x) for x in re.findall(r'<tr data-alarm="(\d+)"', page)]


def test_alarms_list_ack_and_count(stack, admin, login, wired):
    site, bus, board, bank, cells = wired
    clerk, clerk_name = user(stack, admin, login, "operator", sites=[site])
    silent = raise_alarm(stack, site, "board_silent", board=board, detail="3 polls unanswered")
    left = raise_alarm(stack, site, "door_left_open", cell=cells[0], detail="<b>open</b> 130 s")
    forced = raise_alarm(stack, site, "door_forced", cell=cells[1], cleared=True)
    assert clerk.get(f"{stack.base}/admin/alarms/count").json() == {"pending": 3}

    page = clerk.get(f"{stack.base}/admin/alarms").text
    assert alarm_ids(page) == [forced, left, silent]           # newest first
    assert "&lt;b&gt;open&lt;/b&gt;" in page and "<b>open</b>" not in page
    assert "Door left open" in page and "Board not answering" in page
    # The badge, polled every 2 s.
    badge = re.search(r'<span class="badge" id="alarm-count"([^>]*)>(\d*)</span>', page)
    assert 'data-poll="/admin/alarms/count"' in badge.group(1) and 'data-poll-interval="2000"' in badge.group(1)
    assert badge.group(2) == "3"
    assert alarm_ids(clerk.get(f"{stack.base}/admin/alarms?state=active").text) == [left, silent]
    assert alarm_ids(clerk.get(f"{stack.base}/admin/alarms?state=bogus").text) == [forced, left, silent]

    def ack(s, alarm, note, state="attention"):
        return post_form(stack, s, "/admin/alarms", f"/admin/alarms/{alarm}/ack",
                         {"note": note, "state": state, "site": str(site), "page": "1"})

    shows_error(ack(clerk, left, "   "), "required")
    shows_error(ack(clerk, left, "n" * 501), "too_long")
    r = ack(clerk, left, "Closed it; customer had left it ajar")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/admin/alarms?state=attention&site={site}&page=1&done=alarm_acked"
    row = stack.sql("SELECT acked_by, ack_note, acked_at IS NOT NULL FROM door_alarms WHERE id = %s", left)[0]
    assert row == [clerk_name, "Closed it; customer had left it ajar", "1"]
    assert audit_count(stack, "alarm.ack", left) == 1
    assert clerk.get(f"{stack.base}/admin/alarms/count").json() == {"pending": 2}
    # Twice is refused, and the first note stays.
    r = ack(admin, left, "again")
    shows_error(r, "already_acked", 409)
    assert one(stack, "SELECT ack_note FROM door_alarms WHERE id = %s", left) == "Closed it; customer had left it ajar"
    assert audit_count(stack, "alarm.ack", left) == 1
    # The acknowledged one leaves "needs attention", stays in "all" with its note.
    assert left not in alarm_ids(clerk.get(f"{stack.base}/admin/alarms").text)
    every = clerk.get(f"{stack.base}/admin/alarms?state=all&site={site}").text
    assert left in alarm_ids(every) and "customer had left it ajar" in every

    # Two clerks at once: exactly one acknowledgement.
    other, _ = user(stack, admin, login, "operator", sites=[site])
    tokens = [csrf_of(s.get(f"{stack.base}/admin/alarms").text) for s in (clerk, other)]
    results = []

    def go(s, token, note):
        results.append(s.post(f"{stack.base}/admin/alarms/{silent}/ack", data={"_csrf": token, "note": note},
                              allow_redirects=False).status_code)
    threads = [threading.Thread(target=go, args=(s, t, n)) for s, t, n in ((clerk, tokens[0], "a"), (other, tokens[1], "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 409], results
    assert audit_count(stack, "alarm.ack", silent) == 1


def test_alarms_permissions_and_scope(stack, admin, login, wired):
    site, bus, board, bank, cells = wired
    mine = raise_alarm(stack, site, cell=cells[0])
    other_site = new_site(stack, admin)
    theirs = raise_alarm(stack, other_site, "door_forced")
    clerk, _ = user(stack, admin, login, "operator", sites=[site])
    page = clerk.get(f"{stack.base}/admin/alarms?state=all").text
    assert mine in alarm_ids(page) and theirs not in alarm_ids(page)
    assert clerk.get(f"{stack.base}/admin/alarms?site={other_site}").status_code == 404
    assert clerk.get(f"{stack.base}/admin/alarms/count").json() == {"pending": 1}
    token = csrf_of(page)
    r = clerk.post(f"{stack.base}/admin/alarms/{theirs}/ack", data={"_csrf": token, "note": "x"})
    assert r.status_code == 404
    assert clerk.post(f"{stack.base}/admin/alarms/999999999/ack", data={"_csrf": token, "note": "x"}).status_code == 404
    assert one(stack, "SELECT acked_at IS NULL FROM door_alarms WHERE id = %s", theirs) == "1"
    # The auditor reads but does not acknowledge; a cashier sees no alarms at all.
    auditor, _ = user(stack, admin, login, "auditor")
    page = auditor.get(f"{stack.base}/admin/alarms?state=all").text
    assert mine in alarm_ids(page) and f"/admin/alarms/{mine}/ack" not in page
    assert auditor.post(f"{stack.base}/admin/alarms/{mine}/ack",
                        data={"_csrf": csrf_of(page), "note": "x"}).status_code == 403
    cashier, _ = user(stack, admin, login, "cashier")
    assert cashier.get(f"{stack.base}/admin/alarms").status_code == 403
    assert cashier.get(f"{stack.base}/admin/alarms/count").status_code == 403
    assert 'id="alarm-count"' not in cashier.get(f"{stack.base}/admin/").text
    # Without the CSRF token nothing is acknowledged.
    for t in (None, "forged" * 7):
        data = {"note": "x"} if t is None else {"note": "x", "_csrf": t}
        assert clerk.post(f"{stack.base}/admin/alarms/{mine}/ack", data=data).status_code == 403
    assert one(stack, "SELECT acked_at IS NULL FROM door_alarms WHERE id = %s", mine) == "1"


def test_alarms_page_in_fifties(stack, admin, login):
    site = new_site(stack, admin)
    stack.sql("INSERT INTO door_alarms (site_id, kind, detail, cleared_at) SELECT %s, 'door_forced', CONCAT('n', seq),"
              " UTC_TIMESTAMP(6) FROM seq_1_to_55", site)
    clerk, _ = user(stack, admin, login, "operator", sites=[site])
    first = clerk.get(f"{stack.base}/admin/alarms").text
    ids = alarm_ids(first)
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = clerk.get(f"{stack.base}/admin/alarms?state=attention&site=&page=2").text
    assert len(alarm_ids(second)) == 5 and 'rel="prev"' in second and 'rel="next"' not in second
    assert min(ids) > max(alarm_ids(second))


# ---------- opening a cell ----------

CMD = re.compile(r"^bo-[0-9a-f]{32}$")


def open_form(stack, s, cell):
    page = s.get(f"{stack.base}/admin/cells/{cell}")
    assert page.status_code == 200
    form = form_of(page.text, "open-form")
    return csrf_of(page.text), hidden(form, "command_id")


def test_open_form_validation_sends_nothing(stack, admin, login, wired):
    site, bus, board, bank, cells = wired
    cell = cells[0]
    csrf, cmd = open_form(stack, admin, cell)
    assert CMD.match(cmd)
    assert open_form(stack, admin, cell)[1] != cmd            # a fresh id per form shown

    def post(s, c, **data):
        return s.post(f"{stack.base}/admin/cells/{c}/open", data={"_csrf": csrf, **data}, allow_redirects=False)

    shows_error(post(admin, cell, command_id=cmd, reason=""), "required")
    shows_error(post(admin, cell, command_id=cmd, reason=" \t "), "required")
    shows_error(post(admin, cell, command_id=cmd, reason="r" * 256), "too_long")
    shows_error(post(admin, cell, command_id=cmd, reason="я" * 128), "too_long")   # 256 bytes
    r = post(admin, cell, command_id=cmd, reason="")
    assert hidden(form_of(r.text, "open-form"), "command_id") == cmd       # the same form, the same command
    for bad in ("", "bo-123", "BO-" + cmd[3:], cmd + "0", "api-1-x", cmd[:-1] + "g"):
        r = post(admin, cell, command_id=bad, reason="lost key")
        shows_error(r, "bad_command")
        assert CMD.match(hidden(form_of(r.text, "open-form"), "command_id"))
    # A switched-off bus and a cell without a lock are refused before boardd is asked.
    shows_error(post(admin, cell, command_id=cmd, reason="lost key"), "bus_disabled", 409)
    unwired = cells_of(stack, new_bank(stack, admin, site, 1))[0]
    assert "open-form" not in admin.get(f"{stack.base}/admin/cells/{unwired}").text
    shows_error(post(admin, unwired, command_id=cmd, reason="lost key"), "not_wired", 409)
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'cell.open' AND object_id IN (%s, %s)",
                 cell, unwired) == 0

    # Who may: not a cashier (no form, 403), not on another site (404).
    cashier, _ = user(stack, admin, login, "cashier")
    assert cashier.post(f"{stack.base}/admin/cells/{cell}/open",
                        data={"_csrf": csrf_of(cashier.get(stack.base + "/admin/").text), "command_id": cmd,
                              "reason": "x"}).status_code == 403
    auditor, _ = user(stack, admin, login, "auditor")
    assert auditor.get(f"{stack.base}/admin/cells/{cell}").status_code == 403
    elsewhere = new_site(stack, admin)
    scoped, _ = user(stack, admin, login, "operator", sites=[elsewhere])
    token = csrf_of(scoped.get(stack.base + "/admin/").text)
    assert scoped.post(f"{stack.base}/admin/cells/{cell}/open",
                       data={"_csrf": token, "command_id": cmd, "reason": "x"}).status_code == 404
    assert scoped.get(f"{stack.base}/admin/cells/{cell}").status_code == 404
    for t in (None, "forged" * 7):
        data = {"command_id": cmd, "reason": "x"} if t is None else {"_csrf": t, "command_id": cmd, "reason": "x"}
        assert admin.post(f"{stack.base}/admin/cells/{cell}/open", data=data).status_code == 403
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'cell.open' AND object_id = %s", cell) == 0

    # A form id boardd already keeps for another cell is renewed, not replayed.
    stack.sql("INSERT INTO door_commands (command_id, site_id, cell_id, actor, reason, state, expires_at)"
              " VALUES (%s, %s, %s, 'staff:x', 'r', 'opened', UTC_TIMESTAMP(6))", cmd, site, cells[1])
    stack.sql("UPDATE board_buses SET enabled = 1 WHERE id = %s", bus)
    try:
        shows_error(post(admin, cell, command_id=cmd, reason="lost key"), "bad_command")
    finally:
        stack.sql("UPDATE board_buses SET enabled = 0 WHERE id = %s", bus)
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'cell.open' AND object_id = %s", cell) == 0


def test_open_is_audited_first_and_its_result_shown(stack, admin, operator):
    site = new_site(stack, admin)
    bus = create_bus(stack, admin, site, enabled=True)
    board = create_board(stack, admin, bus, 1)
    bank = new_bank(stack, admin, site, 2)
    assert wire(stack, admin, bank, board, 1).status_code == 303
    cell = cells_of(stack, bank)[0]
    csrf, cmd = open_form(stack, operator, cell)
    reason = "Customer lost receipt <b>"
    r = operator.post(f"{stack.base}/admin/cells/{cell}/open",
                      data={"_csrf": csrf, "command_id": cmd, "reason": "  " + reason + "  "},
                      allow_redirects=False, timeout=30)
    assert r.status_code == 303
    m = re.fullmatch(r"/admin/cells/%d\?done=(\w+)&cmd=(bo-[0-9a-f]{32})(&replayed=1)?" % cell, r.headers["Location"])
    assert m and m.group(2) == cmd, r.headers["Location"]
    done = m.group(1)
    assert done in OPEN_RESULTS
    row = stack.sql("SELECT actor_name, site_id, HEX(detail) FROM audit_log WHERE action = 'cell.open'"
                    " AND object_type = 'cell' AND object_id = %s", cell)
    assert len(row) == 1 and row[0][:2] == ["operator", str(site)]
    assert json.loads(bytes.fromhex(row[0][2])) == {"command_id": cmd, "reason": reason}
    page = operator.get(stack.base + r.headers["Location"]).text
    result = re.search(r'<p class="flash (\w+)" role="status" id="open-result">(.*?)</p>', page, re.S)
    assert result and html.unescape(outcome_text(done)) in html.unescape(result.group(2))
    if not boardd_socket(stack):
        # Nobody listens: the page says so in so many words, and nothing was stored as a command.
        assert done == "unreachable"
        assert result.group(1) == "error"
        assert "not reachable" in result.group(2)
        assert count(stack, "SELECT COUNT(*) FROM door_commands WHERE command_id = %s", cmd) == 0
    # The form sent twice (once boardd holds the command) is not audited twice.
    stack.sql("INSERT IGNORE INTO door_commands (command_id, site_id, cell_id, actor, reason, state, expires_at)"
              " VALUES (%s, %s, %s, 'staff:operator', %s, 'opened', UTC_TIMESTAMP(6))", cmd, site, cell, reason)
    r = operator.post(f"{stack.base}/admin/cells/{cell}/open", data={"_csrf": csrf, "command_id": cmd, "reason": reason},
                      allow_redirects=False, timeout=30)
    assert r.status_code == 303 and f"&cmd={cmd}" in r.headers["Location"], r.text[:300]
    assert audit_count(stack, "cell.open", cell) == 1
    # An unknown result word is not a result.
    page = operator.get(f"{stack.base}/admin/cells/{cell}?done=saved").text
    assert 'id="open-result"' not in page and "Saved." in page
    page = operator.get(f"{stack.base}/admin/cells/{cell}?done=unreachable&cmd=%3Cscript%3E").text
    assert "<script>" not in page


@contextlib.contextmanager
def fake_boardd(stack, reply):
    """boardd's socket answered by a stand-in that gives every request
    `reply`.  The real socket is moved aside meanwhile (clients find it by
    name: boardd keeps running, unseen) and put back afterwards."""
    path = os.path.join(stack.var, "run", "boardd.sock")
    aside = path + ".aside"
    real = os.path.exists(path)
    if real:
        os.rename(path, aside)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(json.dumps(reply).encode() + b"\n")

    try:
        srv.bind(path)
        if real:
            os.chmod(path, stat.S_IMODE(os.stat(aside).st_mode))
        srv.listen(8)
        srv.settimeout(0.2)
        worker = threading.Thread(target=serve, daemon=True)
        worker.start()
        yield
    finally:
        stop.set()
        srv.close()
        if os.path.exists(path):
            os.unlink(path)
        if real:
            os.rename(aside, path)


def test_open_when_boardd_cannot_reach_its_database(stack, admin, operator):
    """boardd's refusal database_unavailable means nothing was fired: the
    API answers 503 boards_unavailable (with Retry-After), the back office
    says the service is unavailable and nothing was sent."""
    site = new_site(stack, admin)
    bus = create_bus(stack, admin, site)
    board = create_board(stack, admin, bus, 1)
    bank = new_bank(stack, admin, site, 2)
    assert wire(stack, admin, bank, board, 1).status_code == 303
    cell, other = cells_of(stack, bank)
    key = make_key(stack, all_sites=False, sites=[site])
    csrf, cmd = open_form(stack, operator, other)
    stack.sql("UPDATE board_buses SET enabled = 1 WHERE id = %s", bus)
    refusal = {"ok": False, "error": "database_unavailable", "message": "the database is not reachable; nothing was fired"}
    try:
        with fake_boardd(stack, refusal):
            idem = "k-" + uniq()
            r = api(key).post(f"{stack.base}/api/v1/cells/{cell}/open", json={"reason": "\t courier pickup \n"},
                              headers={"Idempotency-Key": idem}, timeout=30)
            page = operator.post(f"{stack.base}/admin/cells/{other}/open",
                                 data={"_csrf": csrf, "command_id": cmd, "reason": "lost key"},
                                 allow_redirects=False, timeout=30)
    finally:
        stack.sql("UPDATE board_buses SET enabled = 0 WHERE id = %s", bus)
    body = is_problem(r, 503, "boards_unavailable")
    assert "nothing was sent" in body["detail"]
    assert int(r.headers["Retry-After"]) > 0
    # Audited before boardd was asked, with the reason trimmed as a form's is.
    detail = json.loads(one(stack, "SELECT detail FROM audit_log WHERE action = 'cell.open' AND object_id = %s", cell))
    assert detail == {"command_id": f"api-{key.id}-{idem}", "reason": "courier pickup"}

    assert page.status_code == 303
    assert page.headers["Location"] == f"/admin/cells/{other}?done=unavailable&cmd={cmd}"
    shown = operator.get(stack.base + page.headers["Location"]).text
    result = re.search(r'<p class="flash (\w+)" role="status" id="open-result">(.*?)</p>', shown, re.S)
    assert result and result.group(1) == "error"
    assert html.unescape(outcome_text("unavailable")) in html.unescape(result.group(2))
    assert "nothing was sent" in outcome_text("unavailable")


# ---------- the API ----------

def test_api_open_validation(stack, admin, wired):
    site, bus, board, bank, cells = wired
    key = make_key(stack, all_sites=False, sites=[site])
    s = api(key)
    url = f"{stack.base}/api/v1/cells/{cells[0]}/open"
    hdr = {"Idempotency-Key": "k-" + uniq()}
    is_problem(api(make_key(stack, can_write=False)).post(url, json={"reason": "x"}, headers=hdr), 403, "forbidden")
    is_problem(s.post(url, json={"reason": "x"}), 400, "idempotency_key_missing")
    for bad in ("k" * 41, "two words", "ключ"):
        is_problem(s.post(url, json={"reason": "x"}, headers={"Idempotency-Key": bad.encode().decode("latin-1")}),
                   400, "bad_idempotency_key")
    is_problem(s.post(url, data="reason=x", headers={**hdr, "Content-Type": "application/x-www-form-urlencoded"}),
               415, "unsupported_media_type")
    is_problem(s.post(url, data="{", headers={**hdr, "Content-Type": "application/json"}), 400, "bad_json")
    invalid(s.post(url, json={}, headers=hdr), "reason", "required")
    invalid(s.post(url, json={"reason": 5}, headers=hdr), "reason", "wrong_type")
    invalid(s.post(url, json={"reason": "  "}, headers=hdr), "reason", "required")
    invalid(s.post(url, json={"reason": "r" * 256}, headers=hdr), "reason", "too_long")
    # Another site's cell, a missing one, and one without a lock all answer 404.
    other = new_site(stack, admin)
    foreign = cells_of(stack, new_bank(stack, admin, other, 1))[0]
    is_problem(s.post(f"{stack.base}/api/v1/cells/{foreign}/open", json={"reason": "x"}, headers=hdr), 404, "not_found")
    is_problem(s.post(f"{stack.base}/api/v1/cells/999999999/open", json={"reason": "x"}, headers=hdr), 404, "not_found")
    unwired = cells_of(stack, new_bank(stack, admin, site, 1))[0]
    body = is_problem(s.post(f"{stack.base}/api/v1/cells/{unwired}/open", json={"reason": "x"}, headers=hdr),
                      404, "not_found")
    assert "no lock" in body["detail"]
    # A wired cell on a switched-off bus: 409, before anything is audited or sent.
    body = is_problem(s.post(url, json={"reason": "x"}, headers=hdr), 409, "bus_disabled")
    assert "switched off" in body["detail"]
    # The reason is trimmed as a form field is, before it is checked: 255
    # bytes between blanks are not too long (the switched-off bus is what refuses).
    is_problem(s.post(url, json={"reason": " \t" + "r" * 255 + "\n "}, headers=hdr), 409, "bus_disabled")
    # A key used for one cell cannot open another.
    used = "used-" + uniq()
    stack.sql("INSERT INTO door_commands (command_id, site_id, cell_id, actor, reason, state, expires_at)"
              " VALUES (%s, %s, %s, 'api:t', 'r', 'opened', UTC_TIMESTAMP(6))", f"api-{key.id}-{used}", site, cells[1])
    is_problem(s.post(url, json={"reason": "x"}, headers={"Idempotency-Key": used}), 409, "idempotency_key_reused")
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'cell.open' AND object_id IN (%s, %s, %s)",
                 cells[0], foreign, unwired) == 0


def test_api_open_is_audited_and_answers(stack, admin):
    site = new_site(stack, admin)
    bus = create_bus(stack, admin, site, enabled=True)
    board = create_board(stack, admin, bus, 1)
    bank = new_bank(stack, admin, site, 1)
    assert wire(stack, admin, bank, board, 1).status_code == 303
    cell = cells_of(stack, bank)[0]
    key = make_key(stack, all_sites=False, sites=[site])
    idem = "k-" + uniq()
    r = api(key).post(f"{stack.base}/api/v1/cells/{cell}/open", json={"reason": "courier pickup"},
                      headers={"Idempotency-Key": idem}, timeout=30)
    cmd = f"api-{key.id}-{idem}"
    rows = stack.sql("SELECT actor_type, actor_id, HEX(detail) FROM audit_log WHERE action = 'cell.open'"
                     " AND object_id = %s", cell)
    assert len(rows) == 1 and rows[0][:2] == ["api", str(key.id)]
    assert json.loads(bytes.fromhex(rows[0][2])) == {"command_id": cmd, "reason": "courier pickup"}
    if not boardd_socket(stack):
        body = is_problem(r, 503, "boards_unavailable")
        assert "not reachable" in body["detail"]
        assert int(r.headers["Retry-After"]) > 0
    elif r.status_code == 200:
        body = r.json()
        assert set(body) == {"command_id", "outcome", "replayed", "detail"}
        assert body["command_id"] == cmd and body["outcome"] in OUTCOMES and body["replayed"] is False
    else:
        assert r.status_code in (404, 503), r.text
    # A retry with the same Idempotency-Key, once boardd holds the command
    # (stored here, should boardd not have stored it), is answered from
    # that command and not audited again.
    stack.sql("INSERT IGNORE INTO door_commands (command_id, site_id, cell_id, actor, reason, state, expires_at)"
              " VALUES (%s, %s, %s, 'api:t', 'courier pickup', 'opened', UTC_TIMESTAMP(6))", cmd, site, cell)
    again = api(key).post(f"{stack.base}/api/v1/cells/{cell}/open", json={"reason": "courier pickup"},
                          headers={"Idempotency-Key": idem}, timeout=30)
    assert audit_count(stack, "cell.open", cell) == 1
    if again.status_code == 200:
        assert again.json()["command_id"] == cmd and again.json()["replayed"] is True
    else:
        assert again.status_code in (404, 503), again.text


def _api_reads_alarms(stack):
    grants = " ".join(r[0] for r in stack.sql("SHOW GRANTS FOR 'sr_api'@'localhost'"))
    return "`door_alarms`" in grants


def test_api_doors_match_the_back_office(stack, admin, wired):
    site, bus, board, bank, cells = wired
    key = make_key(stack, all_sites=False, sites=[site], can_write=False)
    s = api(key)
    other = new_site(stack, admin)
    is_problem(s.get(f"{stack.base}/api/v1/sites/{other}/doors"), 404, "not_found")
    is_problem(api(make_key(stack)).get(f"{stack.base}/api/v1/sites/999999999/doors"), 404, "not_found")
    if not _api_reads_alarms(stack):
        pytest.skip("sql/grants.sql: sr_api needs SELECT on door_alarms for the doors document")
    stack.sql("INSERT INTO door_states (cell_id, site_id, door, occupied) VALUES (%s, %s, 'open', 0)", cells[0], site)
    raise_alarm(stack, site, "door_left_open", cell=cells[0])
    r = s.get(f"{stack.base}/api/v1/sites/{site}/doors")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    doc = r.json()
    assert doc == admin.get(f"{stack.base}/admin/sites/{site}/doors").json()
    assert doc["cells"][str(cells[0])] == {"door": "open", "occupied": 0, "alarm": "door_left_open"}
    # The document the OpenAPI file describes.
    spec = requests.get(stack.base + "/api/v1/openapi.json").json()
    state = spec["components"]["schemas"]["DoorState"]
    for cell in doc["cells"].values():
        assert set(cell) == set(state["required"])
        assert cell["door"] in state["properties"]["door"]["enum"]
        assert cell["alarm"] is None or cell["alarm"] in state["properties"]["alarm"]["enum"]
