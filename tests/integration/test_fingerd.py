"""fingerd against the real libfprint: its virtual_image reader fed with
the NIST prints (tests/data/fingerprints), so minutiae extraction
and the bozorth3 matcher are the library's own.  Each test runs a fingerd
of its own on a site of its own (the stack's fingerd is held down), stores
the sealed templates fingerd hands back the way the back office will, and
checks exact event sequences, customers and refusals: enrollment and its
sealing, genuine and impostor verifies, identify among customers, rows
copied to another customer or site, busy, cancel, hang-up, scan timeout,
retry, "matching" (once the finger is taken, never without a capture),
device errors and recovery, match ids and their TTL, bad requests,
SIGTERM, kill -9 and the gallery kept up to date."""
import os
import signal
import time

import pytest

from boards_rig import wait_for
from daemon_rig import stack_daemon_held
from finger_rig import (FINGERS, Client, Fingerd, new_customer, new_site, open_template, scans, seal, site_key,
                        store, without_id)
from helpers import count, one


@pytest.fixture(scope="module", autouse=True)
def stack_fingerd_held(stack):
    """The stack's own fingerd serves the demo site only; it is held down
    so it takes no CPU from the matcher meanwhile."""
    with stack_daemon_held(stack, "fingerd"):
        yield


@pytest.fixture
def daemons(stack):
    """Fingerds a test starts.  At its end each one still running is
    stopped with SIGTERM and must exit 0 (under the sanitizers that is
    also when LeakSanitizer looks), and no log may hold a sanitizer
    report."""
    started = []
    yield started
    for d in started:
        if d.proc and d.proc.poll() is None:
            assert d.stop() == 0, d.log()
        log = d.log() if os.path.exists(d.log_path) else ""
        assert "Sanitizer" not in log and "runtime error" not in log, log


@pytest.fixture
def reader(stack, daemons):
    """A running fingerd on a fresh site."""
    d = Fingerd(stack, new_site(stack))
    daemons.append(d)
    return d.start()


def started(op):
    return {"event": "started", "op": op, "stages": 1}


SCAN = {"event": "scan", "stage": 1, "of": 1}


def matching(prints):
    return {"event": "matching", "prints": prints}


def verify(d, customer, image, prints=1, **kw):
    """A verify of one capture; prints: how many the customer has enrolled."""
    lines, final = d.ask({"op": "verify", "customer": customer}, [image], **kw)
    assert without_id(lines) == [started("verify"), SCAN, matching(prints)], lines
    return final


def identify(d, image, prints):
    """An identify of one capture; prints: the usable prints of the site."""
    lines, final = d.ask({"op": "identify"}, [image])
    assert without_id(lines) == [started("identify"), SCAN, matching(prints)], lines
    return final


def wait_idle(d):
    wait_for("the reader to be idle", lambda: d.status()["state"] == "idle")


# ---------------------------------------------------------------- status

def test_status_with_the_virtual_reader(stack, reader):
    st = reader.status()
    assert st == {"ok": True, "reader": reader.name, "site": reader.site, "state": "idle", "busy_with": None,
                  "device": {"id": "0", "driver": "virtual_image", "name": "Virtual image device for debugging",
                             "enroll_stages": 5},
                  "gallery": {"prints": 0, "customers": 0}}
    c1, c2 = new_customer(stack, reader.site), new_customer(stack, reader.site)
    reader.enroll_stored(c1, "right-index", "whorl")
    reader.enroll_stored(c1, "left-index", "arch")
    reader.enroll_stored(c2, "right-thumb", "loop-right")
    # The gallery is brought up to date by an identify.
    assert identify(reader, "tented_arch", 3)["match"] is False
    assert reader.status()["gallery"] == {"prints": 3, "customers": 2}


def test_status_and_operations_without_a_device(stack, daemons):
    d = Fingerd(stack, new_site(stack), reader=False)
    daemons.append(d)
    d.start()
    st = d.status()
    assert (st["state"], st["device"], st["busy_with"]) == ("no_device", None, None)
    customer = new_customer(stack, d.site)
    lines, final = d.ask({"op": "enroll", "customer": customer, "finger": "right-index", "id": "e-1"})
    assert lines == []
    assert (final["ok"], final["error"], final["id"]) == (False, "no_device", "e-1")
    assert "no fingerprint reader matching virtual_image" in final["message"]
    assert d.status()["state"] == "no_device"


# ---------------------------------------------------------------- enroll

def test_enroll_streams_stages_and_seals_the_template(stack, reader):
    customer = new_customer(stack, reader.site)
    c = reader.client()
    lines, final = c.converse({"op": "enroll", "customer": customer, "finger": "left-ring", "id": "enr-7"},
                              ["whorl"] * 5, reader.finger)
    assert all(m["id"] == "enr-7" for m in lines + [final])
    assert without_id(lines) == scans(5)
    assert {k: v for k, v in final.items() if k != "template"} == {
        "ok": True, "event": "enrolled", "customer": customer, "finger": "left-ring", "driver": "virtual_image",
        "device": "0", "id": "enr-7"}
    # The template opens under the site key only, and binds site, customer
    # and finger (left-ring is §3's 9th) to a libfprint serialisation.
    site, cust, finger, print_bytes = open_template(site_key(stack.var), final["template"])
    assert (site, cust, finger) == (reader.site, customer, 9)
    assert print_bytes.startswith(b"FP") and len(print_bytes) > 1000
    assert b"virtual_image" in print_bytes
    raw = __import__("base64").b64decode(final["template"])
    assert b"virtual_image" not in raw and print_bytes[100:164] not in raw
    # Stored as the back office will: the database holds the box only.
    tid = store(stack, reader.site, customer, "left-ring", final["template"])
    blob_hex = one(stack, "SELECT HEX(template) FROM fingerprint_templates WHERE id = %s", tid)
    assert bytes.fromhex(blob_hex) == raw
    assert print_bytes[100:164].hex().upper() not in blob_hex
    assert b"virtual_image".hex().upper() not in blob_hex
    # The reader is free at once, on the same connection too.
    c.send({"op": "status"})
    assert c.line()["state"] == "idle"
    c.close()


# ---------------------------------------------------------------- verify

def test_genuine_print_verifies_and_impostors_do_not(stack, reader):
    customer = new_customer(stack, reader.site)
    tid = reader.enroll_stored(customer, "right-index", "whorl")
    final = verify(reader, customer, "whorl")
    assert {k: v for k, v in final.items() if k != "match_id"} == {
        "ok": True, "event": "result", "match": True, "customer": customer, "finger": "right-index",
        "template_id": tid}
    for impostor in ("arch", "loop-right", "tented_arch"):
        assert verify(reader, customer, impostor) == {"ok": True, "event": "result", "match": False,
                                                      "customer": customer}, impostor
    # Another image enrolled for the same customer: each verifies by its own finger.
    tid2 = reader.enroll_stored(customer, "left-thumb", "arch")
    final = verify(reader, customer, "arch", prints=2)
    assert (final["match"], final["finger"], final["template_id"]) == (True, "left-thumb", tid2)
    assert verify(reader, customer, "loop-right", prints=2)["match"] is False


def test_verify_of_a_customer_without_prints(stack, reader):
    nobody = new_customer(stack, reader.site)
    lines, final = reader.ask({"op": "verify", "customer": nobody, "id": "v"})
    assert lines == [] and (final["error"], final["id"]) == ("not_enrolled", "v")
    # The largest customer id there is: valid, just nobody.
    lines, final = reader.ask({"op": "verify", "customer": 9223372036854775807})
    assert final["error"] == "not_enrolled"


# ---------------------------------------------------------------- identify

def test_identify_picks_the_right_customer(stack, reader):
    who = {}
    for image in ("whorl", "arch", "loop-right", "tented_arch"):
        customer = new_customer(stack, reader.site)
        who[image] = (customer, reader.enroll_stored(customer, "right-thumb", image))
    for image, (customer, tid) in who.items():
        final = identify(reader, image, 4)
        assert (final["match"], final["customer"], final["finger"], final["template_id"]) == \
               (True, customer, "right-thumb", tid), image
        assert final["match_id"].startswith("m") and len(final["match_id"]) == 23
    assert reader.status()["gallery"] == {"prints": 4, "customers": 4}


def test_identify_without_a_match(stack, reader):
    for image in ("whorl", "arch", "loop-right"):
        reader.enroll_stored(new_customer(stack, reader.site), "right-index", image)
    assert identify(reader, "tented_arch", 3) == {"ok": True, "event": "result", "match": False}


def test_identify_with_nobody_enrolled(stack, reader):
    lines, final = reader.ask({"op": "identify"})
    assert lines == [] and final["error"] == "not_enrolled"


def test_gallery_follows_new_changed_and_deleted_rows(stack, reader):
    a, b = new_customer(stack, reader.site), new_customer(stack, reader.site)
    whorl_a = reader.enroll(a, "right-index", "whorl")["template"]
    store(stack, reader.site, a, "right-index", whorl_a)
    assert identify(reader, "whorl", 1)["customer"] == a
    # A new row is seen at the next identify without a restart.
    store(stack, reader.site, b, "right-index", reader.enroll(b, "right-index", "arch")["template"])
    assert identify(reader, "arch", 2)["customer"] == b
    # A finger enrolled again (row replaced in place, new date) is read again.
    store(stack, reader.site, b, "right-index", reader.enroll(b, "right-index", "loop-right")["template"])
    assert identify(reader, "arch", 2)["match"] is False
    assert identify(reader, "loop-right", 2)["customer"] == b
    # A deleted row (consent withdrawn) matches nobody from the next identify on.
    stack.sql("DELETE FROM fingerprint_templates WHERE customer_id = %s", a)
    assert identify(reader, "whorl", 1)["match"] is False
    assert reader.status()["gallery"] == {"prints": 1, "customers": 1}
    assert reader.log(reader.since).count("rows read") == 3     # only what changed was read


def test_sighup_reads_the_gallery_again(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    assert identify(reader, "whorl", 1)["customer"] == customer
    assert identify(reader, "whorl", 1)["customer"] == customer
    assert reader.log(reader.since).count("rows read") == 1
    reader.proc.send_signal(signal.SIGHUP)
    wait_for("the gallery to be dropped", lambda: "gallery forgotten" in reader.log(reader.since))
    assert reader.status()["gallery"] == {"prints": 0, "customers": 0}
    assert identify(reader, "whorl", 1)["customer"] == customer
    assert reader.log(reader.since).count("rows read") == 2
    assert reader.proc.poll() is None


# ---------------------------------------------------------------- rows that are not what they claim

def test_row_copied_to_another_customer_is_refused(stack, reader):
    owner, thief, bystander = (new_customer(stack, reader.site) for _ in range(3))
    template = reader.enroll(owner, "right-index", "whorl")["template"]
    # The thief's row carries the owner's sealed print: the box opens, the binding does not fit.
    tid = store(stack, reader.site, thief, "right-index", template)
    lines, final = reader.ask({"op": "verify", "customer": thief})
    assert final["error"] == "not_enrolled"
    lines, final = reader.ask({"op": "identify"})
    assert final["error"] == "not_enrolled"            # nobody usable at all
    reader.enroll_stored(bystander, "right-index", "arch")
    assert identify(reader, "whorl", 1) == {"ok": True, "event": "result", "match": False}   # refused rows do not count
    assert f"template {tid} (customer {thief}, right-index) refused: it is sealed for another" in reader.log()
    # Another finger of the owner's own row does not fit either.
    tid2 = store(stack, reader.site, owner, "left-index", template)
    assert identify(reader, "whorl", 1)["match"] is False
    assert f"template {tid2} (customer {owner}, left-index) refused" in reader.log()
    # The genuine row is used.
    good = store(stack, reader.site, owner, "right-index", template)
    final = identify(reader, "whorl", 2)
    assert (final["customer"], final["template_id"]) == (owner, good)


def test_row_under_another_key_is_refused(stack, reader):
    customer, bystander = new_customer(stack, reader.site), new_customer(stack, reader.site)
    reader.enroll_stored(bystander, "right-index", "arch")
    template = reader.enroll(customer, "right-index", "whorl")["template"]
    print_bytes = open_template(site_key(stack.var), template)[3]
    tid = store(stack, reader.site, customer, "right-index", seal(os.urandom(32), reader.site, customer,
                                                                  "right-index", print_bytes))
    assert identify(reader, "whorl", 1)["match"] is False
    assert f"template {tid} (customer {customer}, right-index) refused: its box does not open" in reader.log()


def test_template_of_another_site_is_not_used(stack, reader, daemons):
    other = new_site(stack)
    stranger = new_customer(stack, other)
    ours = new_customer(stack, reader.site)
    reader.enroll_stored(ours, "right-index", "arch")
    # A properly sealed whorl of the other site, made by that site's reader.
    there = Fingerd(stack, other)
    daemons.append(there)
    there.start()
    there.enroll_stored(stranger, "right-index", "whorl")
    assert identify(there, "whorl", 1)["customer"] == stranger
    there.stop()
    assert identify(reader, "whorl", 1) == {"ok": True, "event": "result", "match": False}
    lines, final = reader.ask({"op": "verify", "customer": stranger})
    assert final["error"] == "not_enrolled"
    assert reader.status()["gallery"] == {"prints": 1, "customers": 1}


# ---------------------------------------------------------------- one operation at a time

def test_busy_status_and_cancel_from_another_client(stack, reader):
    customer = new_customer(stack, reader.site)
    first = reader.client()
    first.send({"op": "enroll", "customer": customer, "finger": "right-index", "id": "slow"})
    assert first.line() == {"event": "started", "op": "enroll", "stages": 5, "id": "slow"}
    assert first.line() == {"event": "scan", "stage": 1, "of": 5, "id": "slow"}
    other = reader.client()
    for req in ({"op": "verify", "customer": customer, "id": "x"}, {"op": "identify"},
                {"op": "enroll", "customer": customer, "finger": "left-index"}):
        other.send(req)
        msg = other.line()
        assert (msg["ok"], msg["error"]) == (False, "busy"), msg
        assert "busy with enroll" in msg["message"]
    other.send({"op": "status", "id": "s"})
    st = other.line()
    assert (st["state"], st["busy_with"], st["id"]) == ("busy", "enroll", "s")
    other.send({"op": "cancel", "id": "c"})
    assert other.line() == {"ok": True, "cancelled": True, "id": "c"}
    assert first.line() == {"ok": False, "error": "cancelled", "message": "the operation was cancelled", "id": "slow"}
    other.send({"op": "cancel"})
    assert other.line() == {"ok": True, "cancelled": False}
    wait_idle(reader)
    # Nothing was consumed: a full enrollment works next.
    reader.enroll(customer)
    first.close()
    other.close()


def gallery_of_copies(stack, reader, n):
    """n customers of the reader's site, each with a copy of one enrolled
    arch, loop-right or tented_arch sealed for their own row."""
    key = site_key(stack.var)
    prints = {}
    for image in ("arch", "loop-right", "tented_arch"):
        template = reader.enroll(new_customer(stack, reader.site), "right-index", image)["template"]
        prints[image] = open_template(key, template)[3]
    rows = []
    for i in range(n):
        c = new_customer(stack, reader.site)
        image = ("arch", "loop-right", "tented_arch")[i % 3]
        rows.append(f"({reader.site}, {c}, 'right-index', 'virtual_image', FROM_BASE64("
                    f"'{seal(key, reader.site, c, 'right-index', prints[image])}'))")
    for i in range(0, n, 12):
        stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, template) VALUES "
                  + ", ".join(rows[i:i + 12]))


def test_status_match_and_cancel_answered_while_matching(stack, reader):
    """libfprint matches on the reader's thread: the socket answers meanwhile."""
    owner = new_customer(stack, reader.site)
    reader.enroll_stored(owner)
    m = verify(reader, owner, "whorl")["match_id"]
    stack.sql("DELETE FROM fingerprint_templates WHERE customer_id = %s", owner)
    gallery_of_copies(stack, reader, 45)          # a whorl matches none of them: all 45 are compared
    for cancel in (False, True):
        c = reader.client(timeout=120)
        c.send({"op": "identify", "id": "big"})
        assert c.line()["event"] == "started" and c.line()["event"] == "scan"
        reader.finger.send("put", "whorl")
        placed = time.monotonic()
        assert c.line() == {"event": "matching", "prints": 45, "id": "big"}
        time.sleep(0.3)                       # the minutiae are found; matching runs
        other = reader.client(timeout=5)
        t0 = time.monotonic()
        other.send({"op": "status"})
        st = other.line()
        other.send({"op": "match", "match_id": m})
        looked_up = other.line()
        answered = time.monotonic() - t0
        assert (st["state"], st["busy_with"]) == ("busy", "identify")
        assert looked_up["ok"] and looked_up["customer"] == owner
        if cancel:
            other.send({"op": "cancel"})
            assert other.line() == {"ok": True, "cancelled": True}
        final = c.line()
        took = time.monotonic() - placed
        assert took > answered + 0.5, (took, answered)    # answered well before the matching ended
        if cancel:
            assert (final["ok"], final["error"]) == (False, "cancelled")
        else:
            assert final == {"ok": True, "event": "result", "match": False, "id": "big"}
        c.close()
        other.close()
        wait_idle(reader)


def test_client_hang_up_cancels_its_operation(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    c = reader.client()
    c.send({"op": "verify", "customer": customer})
    assert c.line()["event"] == "started" and c.line()["event"] == "scan"
    c.close()
    wait_idle(reader)
    assert "verify cancelled: its client hung up" in reader.log()
    assert verify(reader, customer, "whorl")["match"] is True


def test_half_closed_client_still_gets_its_lines(stack, reader):
    import socket as sk
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    c = reader.client()
    c.send({"op": "verify", "customer": customer})
    c.sock.shutdown(sk.SHUT_WR)
    assert c.line()["event"] == "started" and c.line()["event"] == "scan"
    reader.finger.send("put", "whorl")
    assert c.line()["event"] == "matching"
    assert c.line()["match"] is True
    with pytest.raises(EOFError):
        c.line(5)


def test_scan_timeout(stack, daemons):
    d = Fingerd(stack, new_site(stack), scan_timeout=1)
    daemons.append(d)
    d.start()
    customer = new_customer(stack, d.site)
    t0 = time.monotonic()
    lines, final = d.ask({"op": "enroll", "customer": customer, "finger": "right-index"})
    took = time.monotonic() - t0
    assert without_id(lines) == [{"event": "started", "op": "enroll", "stages": 5}, {"event": "scan", "stage": 1,
                                                                                      "of": 5}]
    assert final == {"ok": False, "error": "timeout", "message": "no finger within 1 s"}
    assert 0.9 <= took < 5, took
    # The timeout runs per capture: three captures 0.6 s apart each, then
    # none for a second.
    c = d.client()
    c.send({"op": "enroll", "customer": customer, "finger": "right-index"})
    seen = []
    while len(seen) < 8:
        msg = c.line()
        seen.append(msg)
        if msg.get("event") == "scan" and msg["stage"] <= 3:
            time.sleep(0.6)
            d.finger.send("put", "whorl")
    assert without_id(seen) == scans(5)[:8]
    assert c.line(5) == {"ok": False, "error": "timeout", "message": "no finger within 1 s"}
    c.close()


# ---------------------------------------------------------------- "matching"

def test_matching_comes_as_the_finger_is_taken(stack, reader):
    """Identify against 40 prints: a whorl matches none of the copies, so
    bozorth3 compares it with every one (about 40 ms each) after the finger
    was taken.  "matching" comes once the image is taken, well before the
    result, so a client can tell matching from waiting for a finger."""
    gallery_of_copies(stack, reader, 40)
    c = reader.client(timeout=120)
    c.send({"op": "identify", "id": "g40"})
    assert c.line() == {"event": "started", "op": "identify", "stages": 1, "id": "g40"}
    assert c.line() == {"event": "scan", "stage": 1, "of": 1, "id": "g40"}
    assert c.quiet(0.5)                           # no finger yet: nothing
    reader.finger.send("put", "whorl")
    placed = time.monotonic()
    assert c.line(10) == {"event": "matching", "prints": 40, "id": "g40"}
    seen = time.monotonic()
    final = c.line()
    done = time.monotonic()
    assert final == {"ok": True, "event": "result", "match": False, "id": "g40"}
    assert done - seen > 0.5, (seen - placed, done - seen)
    assert c.quiet(0.3)                           # once, and nothing after the final line
    c.close()
    # A verify counts the customer's own prints, not the site's.
    customer = new_customer(stack, reader.site)
    for finger, image in (("right-index", "whorl"), ("left-index", "arch"), ("right-thumb", "loop-right")):
        reader.enroll_stored(customer, finger, image)
    assert verify(reader, customer, "whorl", prints=3)["finger"] == "right-index"
    assert identify(reader, "whorl", 43)["customer"] == customer      # the only whorl


def test_no_matching_without_a_capture(stack, daemons):
    """Scan timeout, cancel, device error, an unusable capture: no finger
    was taken, so no "matching" -- and enroll never has one (scans())."""
    d = Fingerd(stack, new_site(stack), scan_timeout=1)
    daemons.append(d)
    d.start()
    customer = new_customer(stack, d.site)
    d.enroll_stored(customer)
    timeout = {"ok": False, "error": "timeout", "message": "no finger within 1 s"}
    for req in ({"op": "identify"}, {"op": "verify", "customer": customer}):
        lines, final = d.ask(req)
        assert without_id(lines) == [started(req["op"]), SCAN], lines
        assert final == timeout
        # An unusable capture, then no finger.
        lines, final = d.ask(req, [("retry", "too_short")])
        assert [m["event"] for m in lines] == ["started", "scan", "retry", "scan"], lines
        assert final == timeout
    # Cancelled while waiting for the finger.
    c = d.client()
    c.send({"op": "identify", "id": "i"})
    assert [c.line()["event"], c.line()["event"]] == ["started", "scan"]
    other = d.client()
    other.send({"op": "cancel"})
    assert other.line() == {"ok": True, "cancelled": True}
    assert c.line() == {"ok": False, "error": "cancelled", "message": "the operation was cancelled", "id": "i"}
    c.close()
    other.close()
    # A device error before a capture.
    lines, final = d.ask({"op": "identify"}, [("error", "general")])
    assert (without_id(lines), final["error"]) == ([started("identify"), SCAN], "device_error")
    wait_idle(d)
    # The reader goes on, and the next capture does get its "matching".
    assert identify(d, "whorl", 1)["customer"] == customer


def test_a_capture_without_minutiae_has_matching_then_retry(stack, reader, tmp_path):
    """libfprint looks for the minutiae only after the image was taken
    (docs/fingerd.md §4): a blank image gets "matching", then the retry;
    the next capture is matched without a second "matching"."""
    blank = tmp_path / "blank.pgm"
    blank.write_bytes(b"P5\n256 256\n255\n" + b"\xff" * (256 * 256))
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    lines, final = reader.ask({"op": "verify", "customer": customer}, [("put", str(blank)), "whorl"])
    assert without_id(lines) == [started("verify"), SCAN, matching(1),
                                 {"event": "retry", "code": "general",
                                  "message": "Minutiae detection failed, please retry"}, SCAN], lines
    assert final["match"] is True


# ---------------------------------------------------------------- the device

def test_retry_streams_and_the_operation_goes_on(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    lines, final = reader.ask({"op": "verify", "customer": customer}, [("retry", "too_short"), "whorl"])
    # The unusable capture brought no image: "matching" comes for the one that did.
    assert without_id(lines) == [started("verify"), SCAN,
                                 {"event": "retry", "code": "too_short",
                                  "message": "The swipe was too short, please try again."}, SCAN, matching(1)]
    assert final["match"] is True
    # The same for identify, twice in a row.
    lines, final = reader.ask({"op": "identify"}, [("retry", "center_finger"), ("retry", "remove_finger"), "whorl"])
    assert [m["event"] for m in lines] == ["started", "scan", "retry", "scan", "retry", "scan", "matching"]
    assert final["match"] is True
    # During an enrollment the stage is asked for again.
    lines, final = reader.ask({"op": "enroll", "customer": customer, "finger": "left-index"},
                              ["whorl", ("retry", "center_finger")] + ["whorl"] * 4)
    expected = scans(5)
    expected[4:4] = [{"event": "retry", "code": "center_finger",
                      "message": "The finger was not centered properly, please try again."},
                     {"event": "scan", "stage": 2, "of": 5}]
    assert without_id(lines) == expected
    assert final["ok"] and final["finger"] == "left-index"


def test_device_error_then_recovery_without_restart(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    pid = reader.proc.pid
    lines, final = reader.ask({"op": "verify", "customer": customer, "id": "v1"}, [("error", "proto")])
    assert without_id(lines) == [started("verify"), SCAN]          # no finger was taken: no "matching"
    assert (final["ok"], final["error"], final["id"]) == (False, "device_error", "v1")
    assert "protocol error" in final["message"]
    # The device was closed and opened again: the next operation works,
    # through a fresh connection to the reopened reader.
    wait_idle(reader)
    assert verify(reader, customer, "whorl")["match"] is True
    assert reader.proc.pid == pid and reader.proc.poll() is None
    # An enrollment cut by an error leaves no half print behind either.
    lines, final = reader.ask({"op": "enroll", "customer": customer, "finger": "left-index"},
                              ["whorl", "whorl", ("error", "general")])
    assert final["error"] == "device_error"
    wait_idle(reader)
    reader.enroll(customer, "left-index", "arch")


def test_unplugged_reader_is_no_device(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    lines, final = reader.ask({"op": "verify", "customer": customer}, [("unplug", None)])
    assert final["error"] == "no_device", final
    wait_for("status no_device", lambda: reader.status()["state"] == "no_device")
    assert reader.status()["device"] is None
    lines, final = reader.ask({"op": "verify", "customer": customer})
    assert final["error"] == "no_device"


# ---------------------------------------------------------------- match ids

def test_match_lookup(stack, reader):
    customer = new_customer(stack, reader.site)
    tid = reader.enroll_stored(customer, "right-middle", "loop-right")
    v = verify(reader, customer, "loop-right")
    i = identify(reader, "loop-right", 1)
    assert v["match_id"] != i["match_id"]
    for m, kind in ((v["match_id"], "verify"), (i["match_id"], "identify")):
        lines, got = reader.ask({"op": "match", "match_id": m, "id": "q"})
        assert lines == []
        age = got.pop("age_ms")
        assert got == {"ok": True, "match_id": m, "customer": customer, "site": reader.site,
                       "finger": "right-middle", "template_id": tid, "kind": kind, "id": "q"}
        assert 0 <= age < 60000
    made_up = "m" + "A" * 22
    assert reader.ask({"op": "match", "match_id": made_up})[1]["error"] == "unknown_match"
    assert reader.ask({"op": "match", "match_id": v["match_id"][:-1] + "!"})[1]["error"] == "bad_request"
    # A verify without a match makes no match id.
    assert "match_id" not in verify(reader, customer, "arch")


def test_match_expires_after_the_ttl(stack, daemons):
    d = Fingerd(stack, new_site(stack), match_ttl=1)
    daemons.append(d)
    d.start()
    customer = new_customer(stack, d.site)
    d.enroll_stored(customer)
    m = verify(d, customer, "whorl")["match_id"]
    assert d.ask({"op": "match", "match_id": m})[1]["ok"] is True
    time.sleep(1.3)
    final = d.ask({"op": "match", "match_id": m})[1]
    assert (final["ok"], final["error"]) == (False, "unknown_match")


# ---------------------------------------------------------------- bad requests

BAD = [
    (b'{"op":"status"', "not JSON"),
    (b"status", "not JSON"),
    (b"[1,2]", "a request is a JSON object"),
    (b'"status"', "a request is a JSON object"),
    (b"42", "a request is a JSON object"),
    (b"{}", "op must be one of"),
    (b'{"op":"open","id":"b1"}', "op must be one of"),
    (b'{"op":7}', "op must be one of"),
    (b'{"op":"status","op":"status"}', "not JSON"),
    (b'{"op":"status","id":""}', "id must be a string of 1-64 bytes"),
    (b'{"op":"status","id":"' + b"x" * 65 + b'"}', "id must be a string of 1-64 bytes"),
    (b'{"op":"status","id":12}', "id must be a string of 1-64 bytes"),
    (b'{"op":"status","id":"b2","customer":1}', 'status takes no member "customer"'),
    (b'{"op":"identify","id":"b3","finger":"right-index"}', 'identify takes no member "finger"'),
    (b'{"op":"verify","id":"b4"}', "customer must be a positive integer"),
    (b'{"op":"verify","id":"b5","customer":0}', "customer must be a positive integer"),
    (b'{"op":"verify","id":"b6","customer":-5}', "customer must be a positive integer"),
    (b'{"op":"verify","id":"b7","customer":1.5}', "customer must be a positive integer"),
    (b'{"op":"verify","id":"b8","customer":"12"}', "customer must be a positive integer"),
    (b'{"op":"verify","id":"b9","customer":true}', "customer must be a positive integer"),
    (b'{"op":"verify","customer":9223372036854775808}', "a number is out of range"),
    (b'{"op":"enroll","id":"b10","customer":5}', "finger must be one of"),
    (b'{"op":"enroll","id":"b11","customer":5,"finger":"thumb"}', "finger must be one of"),
    (b'{"op":"enroll","id":"b12","customer":5,"finger":2}', "finger must be one of"),
    (b'{"op":"enroll","id":"b13","customer":5,"finger":"right-index","site":2}', 'enroll takes no member "site"'),
    (b'{"op":"match","id":"b14"}', "match_id must be"),
    (b'{"op":"match","id":"b15","match_id":"m123"}', "match_id must be"),
    (b'{"op":"cancel","id":"b16","match_id":"x"}', 'cancel takes no member "match_id"'),
]


def test_bad_requests_change_nothing(stack, reader):
    c = reader.client()
    for raw, says in BAD:
        c.send(raw + b"\n")
        msg = c.line()
        assert (msg["ok"], msg["error"]) == (False, "bad_request"), (raw, msg)
        assert says in msg["message"], (raw, msg)
        # The id comes back when the id itself was fine.
        want_id = raw.split(b'"id":"')[1].split(b'"')[0].decode() if b'"id":"b' in raw else None
        assert msg.get("id") == want_id, (raw, msg)
        # Nothing else follows and the next request is answered normally.
        c.send({"op": "status", "id": "after"})
        st = c.line()
        assert (st["state"], st["id"]) == ("idle", "after"), (raw, st)
    assert c.quiet(0.3)
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE site_id = %s", reader.site) == 0
    c.close()


def test_line_length_limit(stack, reader):
    c = reader.client()
    c.send(b'{"op":"status","pad":"' + b"x" * 70000 + b'"}\n')
    msg = c.line()
    assert (msg["error"], msg["message"]) == ("bad_request", "a request line is at most 65536 bytes")
    c.send({"op": "status", "id": "then"})
    assert c.line()["id"] == "then"
    assert c.quiet(0.3)
    # Exactly 65536 bytes is a request like any other.
    line = b'{"op":"status","id":"max"}'
    c.send(line + b" " * (65536 - len(line)) + b"\n")
    assert c.line()["id"] == "max"
    # Blank lines are skipped; lines may come in pieces and several at once.
    c.send(b"\n\n" + b'{"op":"sta')
    time.sleep(0.1)
    c.send(b'tus","id":"p1"}\n{"op":"status","id":"p2"}\n')
    assert [c.line()["id"], c.line()["id"]] == ["p1", "p2"]
    c.close()


def test_requests_queue_behind_the_operation_of_their_connection(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    c = reader.client()
    c.send(b'{"op":"verify","customer":%d,"id":"v"}\n{"op":"status","id":"s"}\n' % customer)
    assert c.line()["event"] == "started" and c.line()["event"] == "scan"
    assert c.quiet(0.3)                  # the status waits for the verify's final line
    reader.finger.send("put", "whorl")
    assert c.line() == {"event": "matching", "prints": 1, "id": "v"}
    final = c.line()
    assert (final["id"], final["match"]) == ("v", True)
    st = c.line()
    assert (st["id"], st["state"]) == ("s", "idle")
    c.close()


# ---------------------------------------------------------------- stopping and crashing

def test_sigterm_during_an_operation_then_restart(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    c = reader.client()
    c.send({"op": "verify", "customer": customer, "id": "t"})
    assert c.line()["event"] == "started" and c.line()["event"] == "scan"
    t0 = time.monotonic()
    reader.proc.send_signal(signal.SIGTERM)
    assert c.line() == {"ok": False, "error": "cancelled", "message": "fingerd is stopping", "id": "t"}
    assert reader.proc.wait(15) == 0
    assert time.monotonic() - t0 < 10
    assert not os.path.exists(reader.sock)
    assert "stopped" in reader.log(reader.since)
    reader.start()
    assert verify(reader, customer, "whorl")["match"] is True


def test_kill_9_then_restart(stack, reader):
    customer = new_customer(stack, reader.site)
    reader.enroll_stored(customer)
    c = reader.client()
    c.send({"op": "verify", "customer": customer})
    c.line()
    reader.proc.kill()
    reader.proc.wait(10)
    assert os.path.exists(reader.sock)          # left behind ...
    reader.finger.close()
    reader.start()                              # ... and taken over
    assert verify(reader, customer, "whorl")["match"] is True


def test_a_second_fingerd_on_the_same_socket_refuses_to_start(stack, reader):
    import subprocess
    out = subprocess.run([reader.binary, "-c", reader.config, "-r", reader.name], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, FP_VIRTUAL_IMAGE=reader.reader_sock + "-2"))
    assert out.returncode == 1
    assert f"not starting: another fingerd answers on {reader.sock}" in out.stderr
    assert reader.status()["state"] == "idle"


def test_refuses_to_start_without_a_site_or_a_key(stack, daemons):
    import subprocess
    d = Fingerd(stack, new_site(stack))
    for old, new, says in ((f"Site = {d.site}", "Site = x", "Site must be the id of a site"),
                           ("ScanTimeoutSec = 20", "ScanTimeoutSec = 0", "ScanTimeoutSec must be a whole number"),
                           ("Paths.KeyFile = ", "Paths.KeyFile = /nonexistent", "Paths.KeyFile must name")):
        text = open(d.config).read()
        bad = d.config + ".bad"
        with open(bad, "w") as f:
            f.write(text.replace(old, new, 1) if old in text else text + new + "\n")
        out = subprocess.run([d.binary, "-c", bad, "-r", d.name], capture_output=True, text=True, timeout=30)
        assert out.returncode == 1 and says in out.stderr, (new, out.stderr)


def test_finger_names_match_the_schema(stack):
    enum = one(stack, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'strongroom'"
                      " AND TABLE_NAME = 'fingerprint_templates' AND COLUMN_NAME = 'finger'")
    assert enum == "enum(" + ",".join(f"'{f}'" for f in FINGERS) + ")"


def test_stack_runs_a_fingerd_for_the_demo_site(stack):
    """tools/stack's own fingerd, let go for a moment: the runner starts it
    again for the demo vault site, on run/fingerd-desk.sock, with the
    virtual reader on run/fingerprint-reader.sock."""
    hold = os.path.join(stack.var, "run", "fingerd.hold")
    sock = os.path.join(stack.var, "run", "fingerd-desk.sock")
    os.unlink(hold)
    try:
        def answers():
            try:
                c = Client(sock, 5)
                c.send({"op": "status"})
                return c.line()
            except OSError:
                return None
        st = wait_for("the stack's fingerd", answers, timeout=30)
        site = int(one(stack, "SELECT MIN(id) FROM sites WHERE mod_vault = 1"))
        assert (st["reader"], st["site"], st["state"]) == ("desk", site, "idle")
        assert st["device"]["driver"] == "virtual_image"
        assert os.path.exists(os.path.join(stack.var, "run", "fingerprint-reader.sock"))
    finally:
        open(hold, "w").close()
