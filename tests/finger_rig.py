"""fingerd rigs for the tests and the bench: a fingerd of our own against
the test stack's database, with its own config (the stack's file with our
reader), its own socket and its own libfprint virtual_image reader, fed
with the NIST prints by tools/fingersim's Finger; a line client for its
socket; sites, customers and template rows written straight to the
database; and the sealed template opened or sealed again in Python
(PyNaCl's SecretBox is libsodium's crypto_secretbox, lib/secret's box)."""
import base64
import importlib.machinery
import importlib.util
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import uuid

from boards_rig import wait_for
from daemon_rig import stop_process
from helpers import one, uniq

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = ("whorl", "arch", "loop-right", "tented_arch")
FINGERS = ("right-thumb", "right-index", "right-middle", "right-ring", "right-little",
           "left-thumb", "left-index", "left-middle", "left-ring", "left-little")
MAGIC = b"SRFP1"
HEADER_LEN = 22


def _load_fingersim():
    loader = importlib.machinery.SourceFileLoader("fingersim", os.path.join(REPO, "tools", "fingersim"))
    spec = importlib.util.spec_from_loader("fingersim", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


fingersim = _load_fingersim()


# ---------------------------------------------------------------- the database

def new_site(stack, name=None):
    """A vault site of its own: a test's gallery holds only its own prints."""
    name = name or "FP " + uuid.uuid4().hex[:10]
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'UTC', 'EUR', 'en', 1)",
              name)
    return int(one(stack, "SELECT id FROM sites WHERE name = %s", name))


def new_customer(stack, site):
    doc = "P" + uuid.uuid4().hex[:10].upper()
    stack.sql("INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry)"
              " VALUES (%s, %s, '1980-01-01', 'passport', %s, '2035-01-01')", site, "FP Customer " + doc[-6:], doc)
    return int(one(stack, "SELECT id FROM customers WHERE doc_number = %s", doc))


def store(stack, site, customer, finger, template_b64, driver="virtual_image"):
    """A template row as the back office writes it (re-enrolling a finger
    replaces its row, with a new date); returns its id."""
    blob = base64.b64decode(template_b64)
    stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, device_id, template)"
              " VALUES (%s, %s, %s, %s, '0', %s) ON DUPLICATE KEY UPDATE site_id = VALUES(site_id),"
              " template = VALUES(template), enrolled_at = UTC_TIMESTAMP(6)", site, customer, finger, driver, blob)
    return int(one(stack, "SELECT id FROM fingerprint_templates WHERE customer_id = %s AND finger = %s",
                   customer, finger))


# ---------------------------------------------------------------- sealed templates

def site_key(var):
    with open(os.path.join(var, "secrets", "site.key"), "rb") as f:
        return f.read()


def open_template(key, template_b64):
    """(site, customer, finger index, serialised print) of a sealed template."""
    from nacl.secret import SecretBox
    plain = SecretBox(key).decrypt(base64.b64decode(template_b64))
    assert plain[:5] == MAGIC, plain[:5]
    site, customer, finger = struct.unpack(">qqB", plain[5:HEADER_LEN])
    return site, customer, finger, plain[HEADER_LEN:]


def seal(key, site, customer, finger, print_bytes):
    """A sealed template as fingerd makes it, base64."""
    from nacl.secret import SecretBox
    from nacl.utils import random
    plain = MAGIC + struct.pack(">qqB", site, customer, FINGERS.index(finger) + 1) + print_bytes
    return base64.b64encode(SecretBox(key).encrypt(plain, random(SecretBox.NONCE_SIZE))).decode()


# ---------------------------------------------------------------- a line client

class Client:
    """One connection to fingerd's socket."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.timeout = timeout
        self.buf = b""

    def send(self, req):
        data = req if isinstance(req, bytes) else (json.dumps(req) + "\n").encode()
        self.sock.sendall(data)

    def line(self, timeout=None):
        """The next line as an object; TimeoutError when none comes."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line from fingerd")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no line from fingerd") from None
            if not chunk:
                raise EOFError("fingerd closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def quiet(self, seconds):
        """True when nothing arrives for that long."""
        try:
            self.line(seconds)
            return False
        except TimeoutError:
            return True

    def converse(self, req, feed=(), finger=None, timeout=None):
        """Sends req and reads until its final line, placing the next of
        feed (an image name, or a (command, arg) control message) each time
        fingerd says "scan".  Returns (progress lines, final line); asserts
        that the feed was used up exactly."""
        feed = list(feed)
        self.send(req)
        lines = []
        while True:
            msg = self.line(timeout)
            if "ok" in msg:
                assert not feed, f"fingerd ended with {msg} before taking {feed}"
                return lines, msg
            lines.append(msg)
            if msg.get("event") == "scan" and feed:
                item = feed.pop(0)
                finger.send(*(item if isinstance(item, tuple) else ("put", item)))

    def close(self):
        self.sock.close()


def scans(n):
    """The progress lines of an enrollment of n stages."""
    out = [{"event": "started", "op": "enroll", "stages": n}]
    for k in range(1, n + 1):
        out += [{"event": "scan", "stage": k, "of": n}, {"event": "stage", "stage": k, "of": n}]
    return out


def without_id(lines):
    return [{k: v for k, v in m.items() if k != "id"} for m in lines]


# ---------------------------------------------------------------- fingerd

class Fingerd:
    """A fingerd for one reader of site, configured from the stack's file
    (its Fingerd.* keys replaced).  reader=False starts it without the
    virtual reader (FP_VIRTUAL_IMAGE unset: no device)."""

    def __init__(self, stack, site, scan_timeout=20, match_ttl=120, reader=True, name=None):
        self.stack, self.site = stack, site
        self.name = name or uniq("r")
        self.dir = tempfile.mkdtemp(prefix="fp-", dir=os.path.join(stack.var, "run"))
        self.sock = os.path.join(self.dir, "fingerd.sock")
        self.reader_sock = os.path.join(self.dir, "reader.sock")
        self.virtual = reader
        with open(os.path.join(stack.var, "strongroom.hdf")) as f:
            lines = [ln for ln in f.read().splitlines() if not ln.startswith(("Fingerd.", "Log.Level"))]
        lines += ["Log.Level = info",
                  f"Fingerd.MatchTtlSec = {match_ttl}",
                  f"Fingerd.Readers.{self.name}.Site = {site}",
                  f"Fingerd.Readers.{self.name}.Socket = {self.sock}",
                  f"Fingerd.Readers.{self.name}.Device = virtual_image",
                  f"Fingerd.Readers.{self.name}.ScanTimeoutSec = {scan_timeout}"]
        self.config = os.path.join(self.dir, "strongroom.hdf")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(stack.var, "log", f"fingerd-{self.name}.log")
        self.binary = os.path.join(stack.build, "bin", "fingerd")
        self.proc = None
        self.finger = fingersim.Finger(self.reader_sock)

    def start(self, wait=True):
        env = dict(os.environ)
        env.pop("FP_VIRTUAL_IMAGE", None)
        if self.virtual:
            env["FP_VIRTUAL_IMAGE"] = self.reader_sock
        self.since = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "-c", self.config, "-r", self.name], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log, env=env)
        if wait:
            def up():
                if self.proc.poll() is not None:
                    raise AssertionError(f"fingerd exited with {self.proc.returncode}:\n{self.log()}")
                return "listening on" in self.log(self.since)
            wait_for("fingerd to listen", up, timeout=60)
        return self

    def log(self, since=0):
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def client(self, timeout=30):
        return Client(self.sock, timeout)

    def ask(self, req, feed=(), timeout=None):
        """One request on a connection of its own: (progress lines, final line)."""
        c = self.client()
        try:
            return c.converse(req, feed, self.finger, timeout)
        finally:
            c.close()

    def status(self):
        return self.ask({"op": "status"})[1]

    def enroll(self, customer, finger="right-index", image="whorl"):
        """Enrolls five captures of one image; returns the final line."""
        lines, final = self.ask({"op": "enroll", "customer": customer, "finger": finger}, [image] * 5)
        assert final["ok"], final
        assert without_id(lines) == scans(5), lines
        return final

    def enroll_stored(self, customer, finger="right-index", image="whorl"):
        """Enrolls and stores the row; returns the row id."""
        final = self.enroll(customer, finger, image)
        return store(self.stack, self.site, customer, finger, final["template"])

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.finger.close()
        try:
            return stop_process(self.proc, "fingerd", sig, timeout, self.log)
        finally:
            if getattr(self, "_log", None):
                self._log.close()
