"""A bus of our own for the board tests: a site with one bank, a bus whose
device is a pseudo-terminal made by a boardsim we start (or any other
process that makes the terminal), its boards and wiring in the database,
and the stack's boardd told to reload.  Talks to boardd and to the
simulator over their sockets, one JSON object per line."""
import json
import os
import signal
import socket
import subprocess
import time

from helpers import uniq

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(path, obj, timeout=20):
    """One request on a fresh connection; returns the decoded reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(obj) + "\n").encode() if not isinstance(obj, bytes) else obj)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf) if buf else None


def wait_for(what, fn, timeout=15, every=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class Rig:
    """boards: list of (address, channels) in the database; cells are wired
    in order, `per_board` to a board from channel 1.  sim_boards overrides
    the simulator's --boards spec (to make the two disagree on purpose)."""

    def __init__(self, stack, protocol="cu", boards=((1, 8), (2, 8)), per_board=4, sensors=True,
                 bus_settings=None, sim_boards=None, close_after_ms=400, simulate=True, timed_pulse=1, baud=115200):
        self.stack = stack
        self.protocol = protocol
        self.name = uniq("rig_")
        self.device = f"run/{self.name}.tty"
        self.link = os.path.join(stack.var, self.device)
        self.control = os.path.join(stack.var, "run", self.name + ".sock")
        self.boardd_sock = os.path.join(stack.var, "run", "boardd.sock")
        self.sim = None
        sql = stack.sql
        sql("INSERT INTO sites (name, time_zone, currency, mod_storage) VALUES (%s, 'UTC', 'EUR', 1)", self.name)
        self.site = int(sql("SELECT id FROM sites WHERE name = %s", self.name)[0][0])
        sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, 'Bank', 4)", self.site)
        self.bank = int(sql("SELECT id FROM banks WHERE site_id = %s", self.site)[0][0])
        settings = {"poll_ms": 100, "reply_timeout_ms": 60, "retries": 2, "open_confirm_ms": 1500,
                    "door_open_alarm_s": 120, "silent_after": 3}
        settings.update(bus_settings or {})
        cols = ", ".join(settings)
        sql(f"INSERT INTO board_buses (site_id, name, device, baud, protocol, {cols}) VALUES (%s, %s, %s, %s, %s"
            + ", %s" * len(settings) + ")", self.site, self.name, self.device, baud, protocol, *settings.values())
        self.bus = int(sql("SELECT id FROM board_buses WHERE name = %s", self.name)[0][0])
        self.cells = []          # (cell id, board address, channel)
        number = 0
        for address, channels in boards:
            sql("INSERT INTO boards (bus_id, address, channels, timed_pulse, pulse_ms) VALUES (%s, %s, %s, %s, 300)",
                self.bus, address, channels, timed_pulse)
            board = int(sql("SELECT id FROM boards WHERE bus_id = %s AND address = %s", self.bus, address)[0][0])
            for ch in range(1, min(per_board, channels) + 1):
                number += 1
                sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm)"
                    " VALUES (%s, %s, %s, %s, 'M', 400, 400, 500)", self.bank, self.site, number, f"R{number:02d}")
                cell = int(sql("SELECT id FROM cells WHERE bank_id = %s AND number = %s", self.bank, number)[0][0])
                sql("INSERT INTO cell_locks (cell_id, board_id, channel, has_sensor) VALUES (%s, %s, %s, %s)",
                    cell, board, ch, 1 if sensors else 0)
                self.cells.append((cell, address, ch))
        if simulate:
            flags = "s" if sensors else "n"
            if protocol == "modbus" and not timed_pulse:
                flags += "p"
            spec = sim_boards or ",".join(f"{a}:{c}:{flags}" for a, c in boards)
            self.start_sim(spec, close_after_ms)
        self.reload()

    # ---------- processes ----------

    def start_sim(self, spec, close_after_ms=400):
        binary = os.path.join(self.stack.build, "bin", "boardsim")
        self.sim = subprocess.Popen([binary, "--protocol", self.protocol, "--link", self.link, "--boards", spec,
                                     "--control", self.control, "--close-after-ms", str(close_after_ms)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(self.stack.var, "log", self.name + ".log"), "w"))
        wait_for("the simulator", lambda: os.path.exists(self.control) and os.path.islink(self.link))

    def stop(self):
        self.stack.sql("UPDATE board_buses SET enabled = 0 WHERE id = %s", self.bus)
        self.reload()
        if self.sim and self.sim.poll() is None:
            self.sim.send_signal(signal.SIGTERM)
            self.sim.wait(10)

    def reload(self):
        r = call(self.boardd_sock, {"op": "reload"})
        assert r and r["ok"], r

    def status(self):
        r = call(self.boardd_sock, {"op": "status"})
        return next((b for b in r["buses"] if b["id"] == self.bus), None)

    def wait_ready(self):
        """The bus is open and every board has answered."""
        def ready():
            b = self.status()
            return b and b["open"] and all(x["status"] == "ok" for x in b["boards"])
        wait_for("the bus to come up", ready)

    # ---------- requests ----------

    def open(self, cell, command_id=None, expires_in=30.0, reason="test", actor="test:rig", timeout=20):
        req = {"op": "open", "cell": cell, "command_id": command_id or uniq("cmd-"),
               "expires_ms": int((time.time() + expires_in) * 1000), "reason": reason, "actor": actor}
        return call(self.boardd_sock, req, timeout)

    def ctl(self, **obj):
        r = call(self.control, obj)
        assert r and r["ok"], (obj, r)
        return r

    def frames(self, cmd=None, board=None, lock=None):
        """Requests the simulator has received, oldest first."""
        out = [f for f in self.ctl(op="log", since=0)["frames"]
               if (cmd is None or f["cmd"] == cmd) and (board is None or f["board"] == board)
               and (lock is None or f["lock"] == lock)]
        return out

    def command(self, command_id):
        rows = self.stack.sql("SELECT state, detail, fired_at IS NOT NULL, finished_at IS NOT NULL"
                              " FROM door_commands WHERE command_id = %s", command_id)
        return rows[0] if rows else None

    def door(self, cell):
        rows = self.stack.sql("SELECT door, IFNULL(occupied, 'NULL') FROM door_states WHERE cell_id = %s", cell)
        return rows[0][0] if rows else None

    def alarms(self, kind, cell=None, board_address=None, active=True):
        q = "SELECT a.id FROM door_alarms a WHERE a.site_id = %s AND a.kind = %s"
        args = [self.site, kind]
        if cell is not None:
            q += " AND a.cell_id = %s"
            args.append(cell)
        if board_address is not None:
            q += " AND a.board_id = (SELECT id FROM boards WHERE bus_id = %s AND address = %s)"
            args += [self.bus, board_address]
        if active:
            q += " AND a.cleared_at IS NULL"
        return [int(r[0]) for r in self.stack.sql(q, *args)]
