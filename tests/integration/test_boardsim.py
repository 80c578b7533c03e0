"""The board simulator (daemons/boardsim) on its own, without the stack:
each test starts boardsim from the build directory (env STRONGROOM_BUILD,
default build) in a temporary directory, talks to its pty in raw mode the
way boardd will, and checks the replies byte for byte against
docs/boards.md, the faults the control socket sets, and the log of
frames.  The Modbus side is also checked against an independent client,
Debian's pymodbus."""
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import termios
import time
import tty

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_build = os.environ.get("STRONGROOM_BUILD", "build")
BUILD = _build if os.path.isabs(_build) else os.path.join(REPO, _build)
BOARDSIM = os.path.join(BUILD, "bin", "boardsim")


# ---------- frames, computed here independently of lib/ ----------

def cu(address, lock, cmd, *data):
    """A CU frame with its ETX and checksum."""
    body = bytes([0x02, address, lock, cmd, *data, 0x03])
    return body + bytes([sum(body) & 0xFF])


def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def rtu(hextext):
    """A Modbus RTU frame from hex, with its CRC appended."""
    body = bytes.fromhex(hextext)
    return body + crc16(body)


def h(text):
    return bytes.fromhex(text)


# ---------- the simulator, its line and its control socket ----------

class Line:
    """The client side of the pty, raw, as boardd opens it."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd, termios.TCSANOW)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def send(self, data):
        while data:
            select.select([], [self.fd], [], 5)
            try:
                data = data[os.write(self.fd, data):]
            except BlockingIOError:
                pass

    def recv(self, n, timeout=1.0):
        """Up to n bytes, whatever has come by the timeout."""
        out = b""
        end = time.monotonic() + timeout
        while len(out) < n:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                break
            out += os.read(self.fd, n - len(out))
        return out

    def ask(self, request, n, timeout=1.0):
        self.send(request)
        return self.recv(n, timeout)

    def silent_for(self, seconds):
        """Asserts nothing arrives for that long."""
        got = self.recv(4096, seconds)
        assert got == b"", f"unexpected bytes {got.hex(' ')}"

    def close(self):
        os.close(self.fd)


class Sim:
    def __init__(self, tmp, protocol, boards, *args, preexec_fn=None):
        self.link = os.path.join(tmp, f"{protocol}-bus")
        self.sock = os.path.join(tmp, f"{protocol}-ctl.sock")
        self.errpath = os.path.join(tmp, f"{protocol}-stderr.txt")
        self.lines = []
        with open(self.errpath, "w") as err:
            self.proc = subprocess.Popen(
                [BOARDSIM, "--protocol", protocol, "--link", self.link, "--boards", boards,
                 "--control", self.sock, *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                preexec_fn=preexec_fn)
        end = time.monotonic() + 20
        while "bus on" not in self.stderr():
            if self.proc.poll() is not None or time.monotonic() > end:
                pytest.fail(f"boardsim did not start: {self.stderr()}")
            time.sleep(0.01)
        self.ctl_sock = socket.socket(socket.AF_UNIX)
        self.ctl_sock.connect(self.sock)
        self.ctl_file = self.ctl_sock.makefile("rw")

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def ctl(self, op, **fields):
        return self.raw_ctl(json.dumps(dict(op=op, **fields)))

    def raw_ctl(self, line):
        self.ctl_file.write(line + "\n")
        self.ctl_file.flush()
        reply = self.ctl_file.readline()
        assert reply.endswith("\n"), f"no reply line to {line[:80]}"
        return json.loads(reply)

    def ok(self, op, **fields):
        r = self.ctl(op, **fields)
        assert r["ok"] is True, r
        return r

    def lock(self, board, lock):
        for b in self.ok("state")["boards"]:
            if b["address"] == board:
                return b["locks"][lock - 1]
        raise KeyError(board)

    def frames(self, since=0):
        return self.ok("log", since=since)["frames"]

    def line(self):
        line = Line(self.link)
        self.lines.append(line)
        return line

    def stop(self):
        for line in self.lines:
            line.close()
        self.ctl_file.close()
        self.ctl_sock.close()
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=20)
        err = self.stderr()
        assert rc == 0, f"boardsim exit {rc}: {err}"
        assert "Sanitizer" not in err and "runtime error" not in err, err
        assert not os.path.lexists(self.link), "link left behind"
        assert not os.path.exists(self.sock), "control socket left behind"


@pytest.fixture
def boardsim(tmp_path):
    """boardsim(protocol, boards, *options[, preexec_fn=...]) -> a running
    Sim, stopped (and checked for a clean exit) after the test."""
    if not os.access(BOARDSIM, os.X_OK):
        pytest.fail(f"{BOARDSIM} not built (make build BUILD=...)")
    sims = []

    def start(protocol, boards, *args, **kw):
        sim = Sim(str(tmp_path), protocol, boards, *args, **kw)
        sims.append(sim)
        return sim

    yield start
    for sim in sims:
        sim.stop()


# ---------- CU ----------

def test_cu_spec_examples(boardsim):
    sim = boardsim("cu", "1:16,2:16")
    # The start-up line goes through lib/log like every daemon's: time,
    # name[pid], level, then what the line used to say on its own.
    assert re.match(rf"\S+Z boardsim\[{sim.proc.pid}\] info: cu bus on {re.escape(sim.link)} \(/dev/pts/",
                    sim.stderr())
    assert sim.stderr().rstrip().endswith("boards 1:16,2:16")
    line = sim.line()
    # docs/boards.md §1, address 1, lock 5; read before unlocking, door shut.
    assert line.ask(h("02 01 05 50 03 5B"), 7) == h("02 01 05 50 01 03 5C")
    assert line.ask(h("02 01 00 52 03 58"), 10) == h("02 01 00 52 10 00 FF FF 03 66")
    assert line.ask(h("02 01 00 53 03 59"), 8) == h("02 01 00 53 02 07 03 62")
    assert line.ask(h("02 01 05 51 03 5C"), 7) == h("02 01 05 51 00 03 5C")
    # The door is open now: hook bit clear, in read-one and read-all.
    assert line.ask(h("02 01 05 50 03 5B"), 7) == cu(1, 5, 0x50, 0x00)
    assert line.ask(cu(1, 0, 0x52), 10) == cu(1, 0, 0x52, 16, 0x00, 0xEF, 0xFF)
    # Board 2 is untouched.
    assert line.ask(cu(2, 0, 0x52), 10) == cu(2, 0, 0x52, 16, 0x00, 0xFF, 0xFF)
    lock = sim.lock(1, 5)
    assert lock["open"] is True and lock["unlocks"] == 1


def test_cu_48_locks_with_occupancy(boardsim):
    sim = boardsim("cu", "31:48:o")
    line = sim.line()
    sim.ok("item", board=31, lock=1, present=True)
    sim.ok("item", board=31, lock=48, present=True)
    sim.ok("door", board=31, lock=9, open=True)
    assert line.ask(cu(31, 1, 0x50), 7) == cu(31, 1, 0x50, 0x83)      # shut, item, sensor
    assert line.ask(cu(31, 9, 0x50), 7) == cu(31, 9, 0x50, 0x80)      # open, empty, sensor
    hook = [0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF]
    occupancy = [0x01, 0, 0, 0, 0, 0x80]
    assert line.ask(cu(31, 0, 0x52), 20) == cu(31, 0, 0x52, 48, 0x01, *hook, *occupancy)


def test_cu_board_without_sensors_reads_shut(boardsim):
    sim = boardsim("cu", "4:12:n")
    line = sim.line()
    assert line.ask(cu(4, 3, 0x51), 7) == cu(4, 3, 0x51, 0x00)
    assert sim.lock(4, 3)["open"] is True
    assert line.ask(cu(4, 3, 0x50), 7) == cu(4, 3, 0x50, 0x01)
    assert line.ask(cu(4, 0, 0x52), 10) == cu(4, 0, 0x52, 12, 0x00, 0xFF, 0x0F)


def test_cu_refused_lock(boardsim):
    sim = boardsim("cu", "1:12")
    line = sim.line()
    assert line.ask(cu(1, 13, 0x51), 7) == cu(1, 13, 0x51, 0x01)
    assert line.ask(cu(1, 48, 0x51), 7) == cu(1, 48, 0x51, 0x01)
    # Reading a lock the board does not have gets no answer.
    line.send(cu(1, 13, 0x50))
    line.silent_for(0.2)
    assert [f["cmd"] for f in sim.frames()] == ["unlock", "unlock", "read_one"]
    assert all(lock["unlocks"] == 0 for lock in sim.ok("state")["boards"][0]["locks"])


def test_cu_jam(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    sim.ok("jam", board=1, lock=5, on=True)
    # The relay fires (status 0) but the door stays shut.
    assert line.ask(cu(1, 5, 0x51), 7) == cu(1, 5, 0x51, 0x00)
    time.sleep(0.1)
    assert line.ask(cu(1, 5, 0x50), 7) == cu(1, 5, 0x50, 0x01)
    assert sim.lock(1, 5) == {"lock": 5, "open": False, "item": False, "jammed": True,
                              "coil": False, "unlocks": 1}
    sim.ok("jam", board=1, lock=5, on=False)
    assert line.ask(cu(1, 5, 0x51), 7) == cu(1, 5, 0x51, 0x00)
    assert line.ask(cu(1, 5, 0x50), 7) == cu(1, 5, 0x50, 0x00)


def test_cu_silent_and_absent_boards(boardsim):
    sim = boardsim("cu", "1:16,2:16")
    line = sim.line()
    sim.ok("silent", board=1, on=True)
    line.send(cu(1, 5, 0x51))
    line.silent_for(0.2)
    # A dead board does not act either; the others still answer.
    assert sim.lock(1, 5)["unlocks"] == 0 and sim.lock(1, 5)["open"] is False
    assert line.ask(cu(2, 0, 0x53), 8) == cu(2, 0, 0x53, 2, 7)
    line.send(cu(7, 0, 0x53))                # nobody at address 7
    line.silent_for(0.2)
    state = sim.ok("state")["boards"]
    assert [b["silent"] for b in state] == [True, False]
    sim.ok("silent", board=1, on=False)
    assert line.ask(cu(1, 0, 0x53), 8) == cu(1, 0, 0x53, 2, 7)
    # Every request is logged, answered or not.
    assert [(f["board"], f["cmd"]) for f in sim.frames()] == [
        (1, "unlock"), (2, "version"), (7, "version"), (1, "version")]


def test_cu_late_does_not_block(boardsim):
    sim = boardsim("cu", "1:16,2:16")
    line = sim.line()
    sim.ok("late", board=1, ms=400)
    t0 = time.monotonic()
    line.send(cu(1, 0, 0x53))
    # Meanwhile the simulator serves the control socket and board 2.
    assert sim.ok("state")["boards"][0]["address"] == 1
    assert line.ask(cu(2, 0, 0x53), 8) == cu(2, 0, 0x53, 2, 7)
    assert time.monotonic() - t0 < 0.3
    assert line.recv(8, 2.0) == cu(1, 0, 0x53, 2, 7)
    assert time.monotonic() - t0 >= 0.39
    sim.ok("late", board=1, ms=0)
    t0 = time.monotonic()
    assert line.ask(cu(1, 0, 0x53), 8) == cu(1, 0, 0x53, 2, 7)
    assert time.monotonic() - t0 < 0.3
    # Every late reply got out: none was thrown away for want of room.
    assert sim.ok("state")["dropped_bytes"] == 0


def test_cu_corrupt_checksum(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    sim.ok("corrupt", board=1, count=2)
    good = cu(1, 5, 0x51, 0x00)
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    assert line.ask(cu(1, 5, 0x51), 7) == bad
    assert line.ask(cu(1, 5, 0x51), 7) == bad
    assert line.ask(cu(1, 5, 0x51), 7) == good
    assert sim.lock(1, 5)["unlocks"] == 3          # the board acted every time


def test_cu_split_writes(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    sim.ok("split", chunk=2, gap_ms=100)
    t0 = time.monotonic()
    line.send(cu(1, 0, 0x52))
    first = line.recv(10, 0.05)
    assert first == cu(1, 0, 0x52, 16, 0, 0xFF, 0xFF)[:2]
    rest = line.recv(8, 2.0)
    # Five pieces, four gaps of 100 ms.
    assert time.monotonic() - t0 >= 0.39
    assert first + rest == cu(1, 0, 0x52, 16, 0, 0xFF, 0xFF)
    sim.ok("split", chunk=0)
    t0 = time.monotonic()
    assert line.ask(cu(1, 0, 0x52), 10) == cu(1, 0, 0x52, 16, 0, 0xFF, 0xFF)
    assert time.monotonic() - t0 < 0.3


def test_split_without_gap_ms_has_no_gap(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    sim.ok("split", chunk=2, gap_ms=300)
    # gap_ms left out means no gap, not the 300 ms set before (which would
    # spread the five pieces over 1.2 s).
    sim.ok("split", chunk=2)
    t0 = time.monotonic()
    assert line.ask(cu(1, 0, 0x52), 10, 2.0) == cu(1, 0, 0x52, 16, 0, 0xFF, 0xFF)
    assert time.monotonic() - t0 < 0.6


def test_cu_open_delay_and_auto_close(boardsim):
    sim = boardsim("cu", "1:16", "--open-delay-ms", "200", "--close-after-ms", "500")
    line = sim.line()
    assert line.ask(cu(1, 2, 0x51), 7) == cu(1, 2, 0x51, 0x00)
    assert line.ask(cu(1, 2, 0x50), 7) == cu(1, 2, 0x50, 0x01)      # not open yet
    time.sleep(0.35)
    assert line.ask(cu(1, 2, 0x50), 7) == cu(1, 2, 0x50, 0x00)      # open
    time.sleep(0.6)
    assert line.ask(cu(1, 2, 0x50), 7) == cu(1, 2, 0x50, 0x01)      # closed by itself
    assert sim.lock(1, 2)["open"] is False


def test_cu_doors_by_hand_stay(boardsim):
    sim = boardsim("cu", "1:16", "--close-after-ms", "100")
    line = sim.line()
    sim.ok("door", board=1, lock=7, open=True)          # opened without a command
    time.sleep(0.3)
    assert line.ask(cu(1, 7, 0x50), 7) == cu(1, 7, 0x50, 0x00)
    sim.ok("door", board=1, lock=7, open=False)
    assert line.ask(cu(1, 7, 0x50), 7) == cu(1, 7, 0x50, 0x01)
    assert sim.lock(1, 7)["unlocks"] == 0


def test_cu_noise_and_garbage(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    # Junk, a stray STX and a frame cut in three writes: still one answer.
    line.send(h("FF 00 02 02"))
    req = cu(1, 5, 0x50)
    line.send(req[:2])
    line.send(req[2:4])
    line.send(req[4:])
    assert line.recv(7) == cu(1, 5, 0x50, 0x01)
    # A request cut short and left, then sent whole: still one answer.  This
    # does not show the quiet timer at work (the Modbus tests do): a CU
    # request is always 6 bytes, so the stale partial frame is refused and
    # rescanned as soon as the next bytes come, timer or not.
    line.send(req[:3])
    line.silent_for(0.1)
    assert line.ask(req, 7) == cu(1, 5, 0x50, 0x01)
    sim.ok("garbage", hex="ff0255aa")
    assert line.recv(4) == h("FF 02 55 AA")


def test_cu_log(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    before = time.time_ns() // 1000
    for lock in (1, 2, 3):
        assert line.ask(cu(1, lock, 0x51), 7) == cu(1, lock, 0x51, 0)
    after = time.time_ns() // 1000
    log = sim.ok("log", since=0)
    assert log["next"] == 3
    frames = log["frames"]
    assert [f["seq"] for f in frames] == [0, 1, 2]
    assert [(f["board"], f["cmd"], f["lock"]) for f in frames] == [
        (1, "unlock", 1), (1, "unlock", 2), (1, "unlock", 3)]
    assert before <= frames[0]["t_us"] <= frames[1]["t_us"] <= frames[2]["t_us"] <= after
    assert sim.ok("log", since=3) == {"ok": True, "next": 3, "frames": []}
    assert line.ask(cu(1, 0, 0x52), 10)
    assert [f["cmd"] for f in sim.frames(since=log["next"])] == ["read_all"]
    assert sim.ok("log")["next"] == 4                # since defaults to 0


def test_cu_log_keeps_the_last_4096(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    # Requests for an absent board: logged, never answered, so no reading back.
    line.send(cu(9, 0, 0x53) * 4100)
    end = time.monotonic() + 20
    while sim.ok("log", since=10 ** 9)["next"] < 4100:
        assert time.monotonic() < end
        time.sleep(0.05)
    frames = sim.frames()
    assert len(frames) == 4096
    assert frames[0]["seq"] == 4 and frames[-1]["seq"] == 4099


def test_cu_reset(boardsim):
    sim = boardsim("cu", "1:16", "--close-after-ms", "0")
    line = sim.line()
    assert line.ask(cu(1, 1, 0x51), 7) == cu(1, 1, 0x51, 0)
    sim.ok("jam", board=1, lock=2, on=True)
    sim.ok("item", board=1, lock=3, present=True)
    sim.ok("late", board=1, ms=300)
    sim.ok("corrupt", board=1, count=5)
    sim.ok("split", chunk=1, gap_ms=50)
    sim.ok("reset")
    assert sim.lock(1, 1) == {"lock": 1, "open": False, "item": False, "jammed": False,
                              "coil": False, "unlocks": 1}
    assert sim.lock(1, 2)["jammed"] is False
    assert sim.lock(1, 3)["item"] is True
    sim.ok("silent", board=1, on=True)
    sim.ok("reset")
    t0 = time.monotonic()
    assert line.ask(cu(1, 0, 0x53), 8, 0.25) == cu(1, 0, 0x53, 2, 7)
    assert time.monotonic() - t0 < 0.25
    assert sim.ok("log")["next"] == 2


def wait_for_frames(sim, n):
    """Waits until boardsim has read n requests (and scheduled their replies)."""
    end = time.monotonic() + 5
    while sim.ok("log", since=10 ** 9)["next"] < n:
        assert time.monotonic() < end, "request not read"
        time.sleep(0.005)


def test_reset_drops_replies_not_yet_sent(boardsim):
    sim = boardsim("cu", "1:16")
    line = sim.line()
    # A late reply scheduled before the reset never comes.
    sim.ok("late", board=1, ms=500)
    line.send(cu(1, 0, 0x53))
    wait_for_frames(sim, 1)
    sim.ok("reset")
    line.silent_for(1.0)
    # Nor does the rest of a split reply already under way.
    sim.ok("split", chunk=1, gap_ms=200)
    line.send(cu(1, 0, 0x53))
    assert line.recv(1, 1.0) == cu(1, 0, 0x53, 2, 7)[:1]
    sim.ok("reset")
    line.silent_for(1.0)
    # The board answers at once again, whole.
    assert line.ask(cu(1, 0, 0x53), 8) == cu(1, 0, 0x53, 2, 7)
    assert sim.ok("state")["dropped_bytes"] == 0


def test_client_reopens_the_line(boardsim):
    sim = boardsim("cu", "1:16")
    for _ in range(3):
        line = Line(sim.link)
        assert line.ask(cu(1, 0, 0x53), 8) == cu(1, 0, 0x53, 2, 7)
        line.close()
    assert sim.ok("log")["next"] == 3


def test_control_errors_change_nothing(boardsim):
    sim = boardsim("cu", "1:16")
    sim.ok("jam", board=1, lock=2, on=True)     # so that a reset that slipped through shows
    before = sim.ok("state")
    bad = [
        "not json", "[1, 2]", '"jam"', "{}", '{"op": 1}', '{"op": "nope"}',
        '{"op": "jam", "op": "reset"}',
        '{"op": "jam", "board": 9, "lock": 1, "on": true}',
        '{"op": "jam", "board": "1", "lock": 1, "on": true}',
        '{"op": "jam", "board": 1, "lock": 0, "on": true}',
        '{"op": "jam", "board": 1, "lock": 17, "on": true}',
        '{"op": "jam", "board": 1, "lock": 1, "on": 1}',
        '{"op": "jam", "board": 1, "lock": 1}',
        '{"op": "silent", "board": 1, "on": "yes"}',
        '{"op": "late", "board": 1, "ms": -1}',
        '{"op": "late", "board": 1, "ms": 1.5}',
        '{"op": "late", "board": 1, "ms": 10000000}',
        '{"op": "corrupt", "board": 1}',
        '{"op": "split", "chunk": 2, "gap_ms": "x"}',
        '{"op": "split", "chunk": -2}',
        '{"op": "garbage", "hex": "abc"}',
        '{"op": "garbage", "hex": "zz"}',
        '{"op": "garbage", "hex": ""}',
        '{"op": "garbage", "hex": 12}',
        '{"op": "door", "board": 1, "lock": 1}',
        '{"op": "item", "board": 1, "lock": 1, "present": null}',
        '{"op": "log", "since": -1}',
    ]
    for line in bad:
        r = sim.raw_ctl(line)
        assert r["ok"] is False and r["error"], (line, r)
    # A field the op does not read is refused, named, before the op runs: a
    # typo must not run the op with the default of the field meant.
    typos = {
        '{"op": "split", "chunk": 2, "gapms": 300}': "gapms",
        '{"op": "split", "chunk": 2, "gap_ms": 300, "gap": 300}': "gap",
        '{"op": "late", "board": 1, "ms": 500, "msec": 500}': "msec",
        '{"op": "jam", "board": 1, "lock": 1, "on": true, "locks": [1]}': "locks",
        '{"op": "door", "board": 1, "lock": 1, "open": true, "on": true}': "on",
        '{"op": "garbage", "hex": "ff", "count": 1}': "count",
        '{"op": "reset", "board": 1}': "board",
        '{"op": "state", "verbose": true}': "verbose",
    }
    for line, field in typos.items():
        r = sim.raw_ctl(line)
        assert r["ok"] is False and r["error"].startswith(f'unknown field "{field}"'), (line, r)
    # What does not parse says why; valid JSON that is no object says so.
    r = sim.raw_ctl("not json")
    assert r["ok"] is False and r["error"].startswith("bad JSON: "), r
    for line in ("[1, 2]", '"jam"', "7", "null"):
        assert sim.raw_ctl(line) == {"ok": False, "error": "not a JSON object"}, line
    r = sim.raw_ctl("x" * 20000)
    assert r == {"ok": False, "error": "line longer than 16384 bytes"}
    assert sim.ok("state") == before
    # Nothing was split, delayed or written on the line.
    line = sim.line()
    t0 = time.monotonic()
    assert line.ask(cu(1, 0, 0x53), 8, 0.25) == cu(1, 0, 0x53, 2, 7)
    assert time.monotonic() - t0 < 0.25
    line.silent_for(0.1)


def test_control_line_limit(boardsim):
    sim = boardsim("cu", "1:16")
    req = '{"op": "state"}'
    # CONTROL_LINE_MAX (16384) bytes are allowed, newline not counted; one more is refused.
    assert sim.raw_ctl(req + " " * (16384 - len(req)))["ok"] is True
    assert sim.raw_ctl(req + " " * (16385 - len(req))) == \
        {"ok": False, "error": "line longer than 16384 bytes"}
    assert sim.ok("state")["boards"][0]["address"] == 1     # the client is served still


def test_control_out_of_descriptors_does_not_spin(boardsim):
    """accept() failing for want of descriptors leaves the connection
    queued and the socket readable: boardsim must stop polling it, not
    spin, and take the connection once a client has gone."""
    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (20, 20))

    sim = boardsim("cu", "1:16", preexec_fn=few_fds)
    clients, pending = [], None
    while pending is None:
        assert len(clients) < 16, "never ran out of descriptors"
        s = socket.socket(socket.AF_UNIX)
        s.connect(sim.sock)
        s.sendall(b'{"op": "log", "since": 1000000000}\n')
        s.settimeout(0.5)
        try:
            assert s.recv(4096).startswith(b'{"ok":true')
            clients.append(s)
        except socket.timeout:
            pending = s
    try:
        def cpu_seconds():
            with open(f"/proc/{sim.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        before = cpu_seconds()
        time.sleep(1.0)
        assert cpu_seconds() - before < 0.3, "boardsim spins on the listening socket"
        assert "cannot accept a client: Too many open files" in sim.stderr()
        clients.pop().close()
        pending.settimeout(5)
        assert pending.recv(4096).startswith(b'{"ok":true')
    finally:
        for s in clients + [pending]:
            s.close()


def test_control_several_clients(boardsim):
    sim = boardsim("cu", "1:16")
    others = [socket.socket(socket.AF_UNIX) for _ in range(3)]
    for s in others:
        s.connect(sim.sock)
    # Two requests in one write, answered in order.
    others[0].sendall(b'{"op":"jam","board":1,"lock":4,"on":true}\n{"op":"state"}\n')
    others[1].sendall(b'{"op":"log"}\n')
    f0, f1 = others[0].makefile("r"), others[1].makefile("r")
    assert json.loads(f0.readline()) == {"ok": True}
    assert json.loads(f0.readline())["boards"][0]["locks"][3]["jammed"] is True
    assert json.loads(f1.readline()) == {"ok": True, "next": 0, "frames": []}
    # A client that says its piece and shuts its side still gets the reply.
    others[2].sendall(b'{"op":"reset"}\n')
    others[2].shutdown(socket.SHUT_WR)
    assert others[2].makefile("r").readline() == '{"ok":true}\n'
    for s in others:
        s.close()
    assert sim.lock(1, 4)["jammed"] is False


def test_bad_command_lines(tmp_path):
    base = [BOARDSIM, "--link", str(tmp_path / "bus"), "--control", str(tmp_path / "ctl")]
    for args in (["--protocol", "dnp3", "--boards", "1:16"],
                 ["--protocol", "cu", "--boards", "32:16"],
                 ["--protocol", "cu", "--boards", "1:49"],
                 ["--protocol", "cu", "--boards", "1:16,1:8"],
                 ["--protocol", "cu", "--boards", "1:16:p"],
                 ["--protocol", "modbus", "--boards", "0:8"],
                 ["--protocol", "modbus", "--boards", "1:8:o"],
                 ["--protocol", "cu", "--boards", "1:16:sn"],
                 ["--protocol", "cu", "--boards", "1:16", "--open-delay-ms", "-1"],
                 ["--protocol", "cu"]):
        p = subprocess.run(base + args, capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("boardsim:") or p.stderr.startswith("usage:"), p.stderr
    # --baud is gone (a pty keeps no line speed): getopt refuses it.
    p = subprocess.run(base + ["--protocol", "cu", "--boards", "1:16", "--baud", "9600"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "unrecognized option '--baud'" in p.stderr, p.stderr
    assert not os.path.lexists(tmp_path / "bus")
    # A path that is not a symlink is never replaced.
    (tmp_path / "file").write_text("keep")
    p = subprocess.run([BOARDSIM, "--protocol", "cu", "--boards", "1:16", "--link",
                        str(tmp_path / "file"), "--control", str(tmp_path / "ctl")],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1 and "not a symlink" in p.stderr
    assert (tmp_path / "file").read_text() == "keep"


# ---------- Modbus, raw ----------

def test_modbus_frames(boardsim):
    sim = boardsim("modbus", "1:16,2:8:p")
    line = sim.line()
    # Door sensors: 1 = shut.
    assert line.ask(rtu("01 02 00 00 00 10"), 7) == rtu("01 02 02 FF FF")
    assert line.ask(rtu("01 01 00 00 00 10"), 7) == rtu("01 01 02 00 00")
    # Timed pulse of 0.3 s on lock 5: relay on, door open, relay off again.
    assert line.ask(rtu("01 06 01 04 00 03"), 8) == rtu("01 06 01 04 00 03")
    assert line.ask(rtu("01 01 00 00 00 10"), 7) == rtu("01 01 02 10 00")
    assert line.ask(rtu("01 02 00 00 00 10"), 7) == rtu("01 02 02 EF FF")
    time.sleep(0.45)
    assert line.ask(rtu("01 01 00 00 00 10"), 7) == rtu("01 01 02 00 00")
    assert sim.lock(1, 5)["unlocks"] == 1
    # All relays off, the start-up write.
    assert line.ask(rtu("01 0F 00 00 00 10 02 00 00"), 8) == rtu("01 0F 00 00 00 10")
    assert line.ask(rtu("01 11"), 25) == rtu("01 11 14 01 FF" + b"boardsim-relay 1.0".hex())


def test_modbus_write_coils_fires_the_on_bits(boardsim):
    sim = boardsim("modbus", "1:16", "--close-after-ms", "0")
    line = sim.line()
    # Coils 1, 3 and 16 on (bits 0, 2 and 15), the rest off.
    assert line.ask(rtu("01 0F 00 00 00 10 02 05 80"), 8) == rtu("01 0F 00 00 00 10")
    locks = sim.ok("state")["boards"][0]["locks"]
    assert [lk["lock"] for lk in locks if lk["unlocks"]] == [1, 3, 16]
    assert [lk["lock"] for lk in locks if lk["open"]] == [1, 3, 16]
    assert [lk["lock"] for lk in locks if lk["coil"]] == [1, 3, 16]
    assert line.ask(rtu("01 01 00 00 00 10"), 7) == rtu("01 01 02 05 80")
    assert line.ask(rtu("01 02 00 00 00 10"), 7) == rtu("01 02 02 FA 7F")
    # A range from coil 5: bits 1 0 1 fire locks 5 and 7; relays already on
    # (1, 3, 16) are outside it and stay as they are.
    assert line.ask(rtu("01 0F 00 04 00 03 01 05"), 8) == rtu("01 0F 00 04 00 03")
    locks = sim.ok("state")["boards"][0]["locks"]
    assert [(lk["lock"], lk["unlocks"]) for lk in locks if lk["unlocks"]] == \
        [(1, 1), (3, 1), (5, 1), (7, 1), (16, 1)]


def test_modbus_pulse_of_zero_fires_nothing(boardsim):
    sim = boardsim("modbus", "1:16")
    line = sim.line()
    assert line.ask(rtu("01 06 01 04 00 00"), 8) == rtu("01 06 01 04 00 00")
    assert sim.lock(1, 5) == {"lock": 5, "open": False, "item": False, "jammed": False,
                              "coil": False, "unlocks": 0}
    assert line.ask(rtu("01 01 00 00 00 10"), 7) == rtu("01 01 02 00 00")
    assert line.ask(rtu("01 02 00 00 00 10"), 7) == rtu("01 02 02 FF FF")


def test_modbus_quiet_flush_logs_when_the_bytes_were_read(boardsim):
    sim = boardsim("modbus", "1:16")
    line = sim.line()
    req = rtu("01 02 00 00 00 10")
    t0 = time.time_ns() // 1000
    # A bogus 0x0F header swallows the request until the line has been
    # quiet for SIM_QUIET_MS (20 ms); the reply comes only then.
    line.send(h("05 0F 00 00 00 10 C8") + req)
    assert line.recv(7) == rtu("01 02 02 FF FF")
    got = time.time_ns() // 1000
    frame = sim.frames()[-1]
    assert (frame["board"], frame["cmd"]) == (1, "fc02")
    # The log has when the request's bytes were read, not the flush time.
    assert t0 <= frame["t_us"] <= got - 15000, (t0, frame["t_us"], got)


def test_modbus_exceptions(boardsim):
    sim = boardsim("modbus", "1:16,2:8:p")
    line = sim.line()
    assert line.ask(rtu("01 02 00 00 00 11"), 5) == rtu("01 82 02")      # beyond 16 channels
    assert line.ask(rtu("01 01 00 10 00 01"), 5) == rtu("01 81 02")
    assert line.ask(rtu("01 05 00 10 FF 00"), 5) == rtu("01 85 02")
    assert line.ask(rtu("01 05 00 01 12 34"), 5) == rtu("01 85 03")      # not ON/OFF
    assert line.ask(rtu("01 06 01 10 00 05"), 5) == rtu("01 86 02")      # register past lock 16
    assert line.ask(rtu("01 06 00 00 00 05"), 5) == rtu("01 86 02")
    assert line.ask(rtu("01 0F 00 00 00 10 01 00"), 5) == rtu("01 8F 03")  # byte count wrong
    assert line.ask(rtu("01 02 00 00 00 00"), 5) == rtu("01 82 03")      # quantity 0
    assert line.ask(rtu("01 03 00 00 00 01"), 5) == rtu("01 83 01")      # not implemented
    assert line.ask(rtu("02 06 01 00 00 05"), 5) == rtu("02 86 02")      # plain: no registers
    assert [f["cmd"] for f in sim.frames()][-3:] == ["fc02", "fc03", "fc06"]
    state = sim.ok("state")["boards"]
    assert all(lock["unlocks"] == 0 for b in state for lock in b["locks"])


def test_modbus_plain_relay_and_jam(boardsim):
    sim = boardsim("modbus", "1:16,2:8:p", "--close-after-ms", "0")
    line = sim.line()
    assert line.ask(rtu("02 05 00 02 FF 00"), 8) == rtu("02 05 00 02 FF 00")
    assert line.ask(rtu("02 05 00 02 FF 00"), 8) == rtu("02 05 00 02 FF 00")   # no new edge
    assert sim.lock(2, 3) == {"lock": 3, "open": True, "item": False, "jammed": False,
                              "coil": True, "unlocks": 1}
    assert line.ask(rtu("02 02 00 00 00 08"), 6) == rtu("02 02 01 FB")
    assert line.ask(rtu("02 05 00 02 00 00"), 8) == rtu("02 05 00 02 00 00")
    sim.ok("door", board=2, lock=3, open=False)
    sim.ok("jam", board=2, lock=3, on=True)
    assert line.ask(rtu("02 05 00 02 FF 00"), 8) == rtu("02 05 00 02 FF 00")
    assert line.ask(rtu("02 02 00 00 00 08"), 6) == rtu("02 02 01 FF")
    assert sim.lock(2, 3)["unlocks"] == 2


def test_modbus_broadcast_and_faults(boardsim):
    sim = boardsim("modbus", "1:16,2:8:p,3:4", "--close-after-ms", "0")
    line = sim.line()
    sim.ok("silent", board=3, on=True)
    line.send(rtu("00 05 00 01 FF 00"))
    line.silent_for(0.2)
    assert sim.lock(1, 2)["open"] and sim.lock(2, 2)["open"]
    assert not sim.lock(3, 2)["open"]                    # a dead board does nothing
    last = sim.frames()[-1]
    assert (last["board"], last["cmd"], last["lock"]) == (0, "fc05", 2)
    line.send(rtu("09 11"))                              # no such slave
    line.silent_for(0.2)
    sim.ok("corrupt", board=1, count=1)
    good = rtu("01 05 00 01 00 00")
    assert line.ask(good, 8) == good[:-1] + bytes([good[-1] ^ 0xFF])
    assert line.ask(good, 8) == good
    # Noise before a request, and a request split over writes.
    line.send(h("FF FE"))
    req = rtu("01 02 00 00 00 10")
    line.send(req[:3])
    line.send(req[3:])
    assert line.recv(7) == rtu("01 02 02 FD FF")
    # A bogus 0x0F header (200 data bytes to come) swallows the request;
    # once the line is quiet the simulator drops it and answers.
    line.send(h("05 0F 00 00 00 10 C8") + req)
    assert line.recv(7) == rtu("01 02 02 FD FF")


# ---------- Modbus, against pymodbus ----------

def test_modbus_with_pymodbus(boardsim):
    from pymodbus.client import ModbusSerialClient
    from pymodbus.framer.rtu_framer import ModbusRtuFramer
    from pymodbus.other_message import ReportSlaveIdRequest

    sim = boardsim("modbus", "1:16,2:8:p", "--close-after-ms", "0")
    client = ModbusSerialClient(port=sim.link, framer=ModbusRtuFramer, baudrate=9600, timeout=1)
    assert client.connect()
    try:
        r = client.read_discrete_inputs(0, 16, slave=1)
        assert not r.isError() and r.bits[:16] == [True] * 16

        r = client.write_coil(3, True, slave=2)
        assert not r.isError() and r.address == 3 and r.value is True
        assert client.read_coils(0, 8, slave=2).bits[:8] == [False] * 3 + [True] + [False] * 4
        assert client.read_discrete_inputs(0, 8, slave=2).bits[:8] == [True] * 3 + [False] \
            + [True] * 4
        assert not client.write_coil(3, False, slave=2).isError()

        r = client.write_register(0x0100 + 9, 20, slave=1)          # lock 10, 2 s pulse
        assert not r.isError() and r.address == 0x0109 and r.value == 20
        assert client.read_discrete_inputs(0, 16, slave=1).bits[9] is False
        assert client.read_coils(9, 1, slave=1).bits[0] is True

        r = client.execute(ReportSlaveIdRequest(unit=1))
        assert not r.isError()
        assert r.identifier == b"\x01\xffboardsim-relay 1.0"

        r = client.write_coils(0, [False] * 16, slave=1)
        assert not r.isError() and r.address == 0 and r.count == 16

        r = client.read_discrete_inputs(0, 17, slave=1)
        assert r.isError() and r.exception_code == 2
        r = client.write_register(0x0100, 5, slave=2)
        assert r.isError() and r.exception_code == 2
        r = client.read_holding_registers(0, 1, slave=1)
        assert r.isError() and r.exception_code == 1
    finally:
        client.close()
    assert sim.lock(2, 4)["unlocks"] == 1 and sim.lock(1, 10)["unlocks"] == 1
    assert [f["cmd"] for f in sim.frames()][:4] == ["fc02", "fc05", "fc01", "fc02"]
