"""boardd against the byte-exact simulator: every outcome of an open
command, duplicates and expiry, a crash in flight, boards dying and coming
back, frames split and corrupted, garbage on the line, door events and
alarms, and bad requests on the socket."""
import json
import os
import signal
import socket
import threading
import time

import pytest

from boards_rig import Rig, call, wait_for
from helpers import count, uniq


@pytest.fixture(scope="module")
def rig(stack):
    r = Rig(stack)
    r.wait_ready()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _reset(request):
    if "rig" in request.fixturenames:
        rig = request.getfixturevalue("rig")
        rig.ctl(op="reset")
        rig.wait_ready()


def test_open_fires_once_and_sees_the_door_open(rig, stack):
    cell, board, lock = rig.cells[0]
    before = len(rig.frames("unlock", board, lock))
    r = rig.open(cell, "open-" + uniq())
    assert r["ok"] and r["outcome"] == "opened" and r["replayed"] is False, r
    assert r["fired_ms"] is not None and r["finished_ms"] >= r["fired_ms"]
    assert len(rig.frames("unlock", board, lock)) == before + 1
    state, _, fired, finished = rig.command(r["command_id"])
    assert (state, fired, finished) == ("opened", "1", "1")
    # The opening is an event tied to its command, not a forced door.
    assert count(stack, "SELECT COUNT(*) FROM door_events e JOIN door_commands c ON c.id = e.command_id"
                        " WHERE c.command_id = %s AND e.door = 'open'", r["command_id"]) == 1
    assert not rig.alarms("door_forced", cell)
    # The simulated door closes by itself; the poll records that once.
    wait_for("the door to close", lambda: rig.door(cell) == "closed")


def test_repeated_command_id_fires_nothing(rig):
    cell, board, lock = rig.cells[1]
    cid = "dup-" + uniq()
    first = rig.open(cell, cid)
    assert first["outcome"] == "opened"
    n = len(rig.frames("unlock", board, lock))
    again = rig.open(cell, cid)
    assert again["ok"] and again["replayed"] is True and again["outcome"] == "opened"
    assert len(rig.frames("unlock", board, lock)) == n


def test_concurrent_duplicates_fire_once(rig):
    cell, board, lock = rig.cells[2]
    cid = "race-" + uniq()
    before = len(rig.frames("unlock", board, lock))
    results = []
    threads = [threading.Thread(target=lambda: results.append(rig.open(cell, cid))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert {r["outcome"] for r in results} == {"opened"}
    assert len(rig.frames("unlock", board, lock)) == before + 1


def test_frames_keep_the_gap_of_the_baud_rate(stack):
    """At 1,200 baud a character takes 8.3 ms, so frames must stand at
    least 3.5 characters (29 ms) apart.  A pseudo-terminal delivers at
    once, so any spacing seen is boardd's own.  Four opens at once keep
    the bus busy back to back: unlocks, then the door checks."""
    slow = Rig(stack, boards=((1, 8),), per_board=4, baud=1200, bus_settings={"poll_ms": 5000})
    try:
        slow.wait_ready()
        since = slow.ctl(op="log", since=0)["frames"][-1]["seq"]
        results = []
        threads = [threading.Thread(target=lambda c=c: results.append(slow.open(c[0]))) for c in slow.cells]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [r["outcome"] for r in results] == ["opened"] * 4
        frames = [f for f in slow.ctl(op="log", since=0)["frames"] if f["seq"] > since]
        assert len([f for f in frames if f["cmd"] == "unlock"]) == 4
        gaps = [(b["t_us"] - a["t_us"]) / 1000 for a, b in zip(frames, frames[1:])]
        assert len(gaps) >= 7 and min(gaps) >= 3.5 * 10 * 1000 / 1200, gaps
    finally:
        slow.stop()


def test_expired_on_arrival_is_stored_and_not_fired(rig):
    cell, board, lock = rig.cells[0]
    before = len(rig.frames("unlock", board, lock))
    r = rig.open(cell, expires_in=-1)
    assert r["outcome"] == "expired"
    assert rig.command(r["command_id"])[0] == "expired"
    assert len(rig.frames("unlock", board, lock)) == before


def test_expiring_in_the_queue_is_never_fired(rig):
    # A first command waits on a board that answers too late; the second,
    # queued behind it, expires before its turn.
    slow_cell, slow_board, _ = rig.cells[0]
    cell, board, lock = rig.cells[rig_index_on_other_board(rig, slow_board)]
    rig.ctl(op="late", board=slow_board, ms=1000)
    first = {}
    t = threading.Thread(target=lambda: first.update(rig.open(slow_cell)))
    t.start()
    time.sleep(0.03)
    before = len(rig.frames("unlock", board, lock))
    r = rig.open(cell, expires_in=0.1)
    t.join()
    assert first["outcome"] == "no_answer"
    assert r["outcome"] == "expired" and "queue" in r["detail"]
    assert len(rig.frames("unlock", board, lock)) == before


def rig_index_on_other_board(rig, address):
    return next(i for i, (_, a, _) in enumerate(rig.cells) if a != address)


def test_jammed_door_is_reported_and_raises_an_alarm(rig):
    cell, board, lock = rig.cells[3]
    rig.ctl(op="jam", board=board, lock=lock, on=True)
    r = rig.open(cell)
    assert r["outcome"] == "jammed", r
    assert rig.command(r["command_id"])[0] == "jammed"
    assert rig.alarms("jam", cell)
    # Unjammed, the next open clears the jam alarm.
    rig.ctl(op="jam", board=board, lock=lock, on=False)
    assert rig.open(cell)["outcome"] == "opened"
    assert not rig.alarms("jam", cell)


def test_silent_board_is_no_answer_after_the_retries(rig):
    cell, board, lock = rig.cells[0]
    rig.ctl(op="silent", board=board, on=True)
    before = len(rig.frames("unlock", board, lock))
    r = rig.open(cell)
    assert r["outcome"] == "no_answer"
    assert len(rig.frames("unlock", board, lock)) == before + 3      # 1 + retries 2
    assert rig.command(r["command_id"])[0] == "no_answer"


def test_a_dead_board_does_not_stall_the_others(rig, stack):
    dead = rig.cells[0][1]
    alive_cell = rig.cells[rig_index_on_other_board(rig, dead)][0]
    rig.ctl(op="silent", board=dead, on=True)
    wait_for("board_silent alarm", lambda: rig.alarms("board_silent", board_address=dead))
    assert stack.sql("SELECT status FROM boards WHERE bus_id = %s AND address = %s", rig.bus, dead)[0][0] == "silent"
    # Its doors can no longer be seen.
    assert rig.door(rig.cells[0][0]) == "unknown"
    for _ in range(3):
        assert rig.open(alive_cell)["outcome"] == "opened"
    rig.ctl(op="silent", board=dead, on=False)
    wait_for("the board to answer again", lambda: not rig.alarms("board_silent", board_address=dead))
    wait_for("its door state", lambda: rig.door(rig.cells[0][0]) == "closed")


def test_corrupt_reply_is_retried_and_counted(rig, stack):
    cell, board, _ = rig.cells[1]
    bad0 = int(stack.sql("SELECT bad_frames FROM boards WHERE bus_id = %s AND address = %s", rig.bus, board)[0][0])
    rig.ctl(op="corrupt", board=board, count=1)
    assert rig.open(cell)["outcome"] == "opened"
    wait_for("bad_frames to be stored", lambda: int(stack.sql(
        "SELECT bad_frames FROM boards WHERE bus_id = %s AND address = %s", rig.bus, board)[0][0]) > bad0)


def test_split_replies_and_garbage_on_the_line(rig):
    cell, _, _ = rig.cells[2]
    rig.ctl(op="split", chunk=1, gap_ms=3)
    rig.ctl(op="garbage", hex="ff0255aa0203")
    assert rig.open(cell)["outcome"] == "opened"
    rig.ctl(op="garbage", hex="02010551")          # a frame's head and no tail
    assert rig.open(cell)["outcome"] == "opened"


def test_forced_door_raises_an_alarm_cleared_when_shut(rig, stack):
    cell, board, lock = rig.cells[1]
    wait_for("a known door", lambda: rig.door(cell) == "closed")
    rig.ctl(op="door", board=board, lock=lock, open=True)
    wait_for("door_forced alarm", lambda: rig.alarms("door_forced", cell))
    assert count(stack, "SELECT COUNT(*) FROM door_events WHERE cell_id = %s AND door = 'open'"
                        " AND command_id IS NULL", cell) >= 1
    rig.ctl(op="door", board=board, lock=lock, open=False)
    wait_for("the alarm to clear", lambda: not rig.alarms("door_forced", cell))


def test_polls_write_changes_only(rig, stack):
    cell = rig.cells[3][0]
    wait_for("a known door", lambda: rig.door(cell) == "closed")
    n = count(stack, "SELECT COUNT(*) FROM door_events WHERE cell_id = %s", cell)
    time.sleep(0.6)                                  # six polls at 100 ms
    assert count(stack, "SELECT COUNT(*) FROM door_events WHERE cell_id = %s", cell) == n


def test_bad_requests_change_nothing(rig, stack):
    before = count(stack, "SELECT COUNT(*) FROM door_commands")
    cell = rig.cells[0][0]
    base = {"op": "open", "cell": cell, "command_id": "x-" + uniq(), "expires_ms": int(time.time() * 1000) + 30000,
            "reason": "r", "actor": "a"}
    bad = [
        b"not json\n", b"[1,2]\n", b'{"op":"fly"}\n', b'{"no":"op"}\n',
        {**base, "cell": "1"}, {**base, "cell": -3}, {**base, "command_id": ""}, {**base, "command_id": "a b"},
        {**base, "command_id": "x" * 65}, {**base, "reason": ""}, {**base, "reason": "r" * 256},
        {**base, "actor": ""}, {**base, "expires_ms": "soon"}, {**base, "expires_ms": int(time.time() * 1000) + 2 * 86400000},
    ]
    for req in bad:
        r = call(rig.boardd_sock, req)
        assert r["ok"] is False and r["error"] == "bad_request", (req, r)
    r = rig.open(999999999)
    assert r["ok"] is False and r["error"] == "unknown_cell"
    r = call(rig.boardd_sock, b"x" * 5000 + b"\n")
    assert r["ok"] is False and "4096" in r["message"]
    assert count(stack, "SELECT COUNT(*) FROM door_commands") == before


def test_pipelined_requests_are_answered_in_order(rig):
    cell = rig.cells[0][0]
    ids = ["p1-" + uniq(), "p2-" + uniq()]
    lines = b"".join((f'{{"op":"open","cell":{cell},"command_id":"{i}","expires_ms":{int(time.time()*1000)+30000},'
                      f'"reason":"r","actor":"a"}}\n').encode() for i in ids) + b'{"op":"status"}\n'
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(20)
        s.connect(rig.boardd_sock)
        s.sendall(lines)
        buf = b""
        while buf.count(b"\n") < 3:
            buf += s.recv(65536)
    replies = [json.loads(x) for x in buf.splitlines()]
    assert [r.get("command_id") for r in replies[:2]] == ids
    assert "buses" in replies[2]


def test_reload_keeps_unchanged_buses_and_restarts_changed_ones(stack):
    """A reload with nothing changed leaves the bus running (no start-up
    frames again); changed settings restart it on the same device; a bus
    switched off is let go and its cells can no longer be opened."""
    own = Rig(stack, boards=((1, 8),), per_board=2)
    try:
        own.wait_ready()
        starts = len(own.frames("version"))
        assert starts >= 1
        own.reload()
        time.sleep(0.5)
        assert len(own.frames("version")) == starts
        stack.sql("UPDATE board_buses SET poll_ms = 250 WHERE id = %s", own.bus)
        own.reload()
        wait_for("the bus to start again", lambda: len(own.frames("version")) > starts)
        assert own.open(own.cells[0][0])["outcome"] == "opened"
        stack.sql("UPDATE board_buses SET enabled = 0 WHERE id = %s", own.bus)
        own.reload()
        assert own.status() is None
        r = own.open(own.cells[1][0])
        assert r["ok"] is False and r["error"] == "unknown_cell", r
    finally:
        own.stop()


def test_scan_finds_the_boards(rig):
    r = call(rig.boardd_sock, {"op": "scan", "bus": rig.bus}, timeout=30)
    assert r["ok"], r
    assert sorted(x["address"] for x in r["found"]) == [1, 2]
    assert all(x["firmware"] == "2.7" for x in r["found"])


def test_refused_lock(stack):
    # The database says the board has 8 locks; the board itself has 4.
    rig = Rig(stack, boards=((1, 8),), per_board=6, sim_boards="1:4:s")
    try:
        rig.wait_ready()
        r = rig.open(rig.cells[5][0])
        assert r["outcome"] == "refused"
        assert rig.command(r["command_id"])[0] == "refused"
    finally:
        rig.stop()


def test_lock_without_sensor_is_acknowledged(stack):
    rig = Rig(stack, boards=((3, 12),), per_board=2, sensors=False)
    try:
        rig.wait_ready()
        r = rig.open(rig.cells[0][0])
        assert r["outcome"] == "acknowledged"
    finally:
        rig.stop()


def test_door_left_open_alarm(stack):
    rig = Rig(stack, boards=((1, 4),), per_board=1, bus_settings={"door_open_alarm_s": 5}, close_after_ms=0)
    try:
        rig.wait_ready()
        cell = rig.cells[0][0]
        assert rig.open(cell)["outcome"] == "opened"
        wait_for("door_left_open", lambda: rig.alarms("door_left_open", cell), timeout=15, every=0.2)
        rig.ctl(op="door", board=1, lock=1, open=False)
        wait_for("the alarm to clear", lambda: not rig.alarms("door_left_open", cell))
    finally:
        rig.stop()


def test_modbus_bus_through_the_simulator(stack):
    rig = Rig(stack, protocol="modbus", boards=((1, 8), (2, 4)), per_board=2)
    try:
        rig.wait_ready()
        # Start-up switched every relay off before anything else.
        assert rig.frames("fc0f", 1) and rig.frames("fc0f", 2)
        r = rig.open(rig.cells[0][0])
        assert r["outcome"] == "opened", r
        assert len(rig.frames("fc06", 1)) == 1
        rig.ctl(op="jam", board=2, lock=1, on=True)
        assert rig.open(rig.cells[2][0])["outcome"] == "jammed"
        rig.ctl(op="silent", board=2, on=True)
        assert rig.open(rig.cells[2][0])["outcome"] == "no_answer"
    finally:
        rig.stop()


def test_modbus_plain_relay_is_switched_on_then_off(stack):
    rig = Rig(stack, protocol="modbus", boards=((5, 4),), per_board=1, timed_pulse=0)
    try:
        rig.wait_ready()
        assert rig.open(rig.cells[0][0])["outcome"] == "opened"
        assert len(rig.frames("fc05", 5)) == 2                   # on, then off
    finally:
        rig.stop()


def _boardd_pid(stack):
    """boardd's pid, or None while the runner is writing the file anew."""
    with open(os.path.join(stack.var, "run", "boardd.pid")) as f:
        text = f.read().strip()
    return int(text) if text.isdigit() else None


def test_crash_in_flight_is_unknown_and_never_refired(stack):
    rig = Rig(stack, boards=((1, 4),), per_board=1, bus_settings={"reply_timeout_ms": 4000, "retries": 0})
    try:
        rig.wait_ready()
        cell, board, lock = rig.cells[0]
        rig.ctl(op="late", board=board, ms=3000)
        cid = "crash-" + uniq()
        threading.Thread(target=lambda: _ignore(lambda: rig.open(cell, cid)), daemon=True).start()
        wait_for("the command to be firing", lambda: (rig.command(cid) or [""])[0] == "firing")
        old = _boardd_pid(stack)
        os.kill(old, signal.SIGKILL)
        wait_for("boardd to be started again", lambda: _boardd_pid(stack) != old and os.path.exists(rig.boardd_sock)
                 and _ignore(lambda: call(rig.boardd_sock, {"op": "status"})), timeout=30)
        assert rig.command(cid)[0] == "unknown"
        rig.ctl(op="late", board=board, ms=0)
        r = rig.open(cell, cid)
        assert r["replayed"] is True and r["outcome"] == "unknown"
        time.sleep(0.3)
        assert len(rig.frames("unlock", board, lock)) == 1
    finally:
        rig.stop()


def _ignore(fn):
    try:
        return fn()
    except (OSError, ValueError):
        return None
