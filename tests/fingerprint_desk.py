"""The stack's own fingerd for the back office's fingerprint tests: reader
"desk" serving the demo vault site (tools/stack), its socket, and a finger
on its libfprint virtual_image reader (tools/fingersim's Finger); plus a
customer of that site with a biometric consent, and (VisitDesk) customers
with lockers and enrolled prints for the visit tests."""
import base64
import json
import os
import uuid

from boards_rig import wait_for
from finger_rig import Client, fingersim, open_template, seal, site_key
from helpers import count, new_customer, one, uniq


class Desk:
    def __init__(self, stack):
        self.stack = stack
        self.site = int(one(stack, "SELECT MIN(id) FROM sites WHERE mod_vault = 1"))
        self.sock = os.path.join(stack.var, "run", "fingerd-desk.sock")
        self.finger = fingersim.Finger(os.path.join(stack.var, "run", "fingerprint-reader.sock"))
        self.log_path = os.path.join(stack.var, "log", "fingerd.log")

    def status(self):
        c = Client(self.sock, 5)
        try:
            return c.converse({"op": "status"})[1]
        finally:
            c.close()

    def state(self):
        """idle, busy, no_device, or None when fingerd does not answer."""
        try:
            return self.status().get("state")
        except (OSError, EOFError, TimeoutError):
            return None

    def wait_idle(self, timeout=60):
        wait_for("the stack's fingerd to be idle", lambda: self.state() == "idle", timeout=timeout, every=0.1)

    def log_size(self):
        return os.path.getsize(self.log_path)

    def log_since(self, size):
        with open(self.log_path, "rb") as f:
            f.seek(size)
            return f.read().decode("utf-8", "replace")


def consented_customer(stack, site, consent=True):
    """A customer of site, with a biometric consent in force unless not."""
    cid = new_customer(stack, site, "Enroll " + uuid.uuid4().hex[:6])
    if consent:
        stack.sql("INSERT INTO customer_consents (customer_id, kind, text_version, source)"
                  " VALUES (%s, 'biometric', '2026-01', 'staff')", cid)
    return cid


class VisitDesk(Desk):
    """The desk with lockers to visit: a bank of its own at the site, and
    the prints of the four NIST images enrolled once through fingerd and
    re-sealed for every customer a test makes, as fingerd would have
    sealed them (five enrollments per test would cost minutes)."""

    IMAGES = ("whorl", "arch", "loop-right", "tented_arch")

    def __init__(self, stack):
        super().__init__(stack)
        self.key = site_key(stack.var)
        name = uniq("FP bank ")
        stack.sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, %s, 4)", self.site, name)
        self.bank = int(one(stack, "SELECT id FROM banks WHERE name = %s", name))
        stack.sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES (%s, 'XL', 'monthly', 100, 0)"
                  " ON DUPLICATE KEY UPDATE id = id", self.site)
        self.plan = int(one(stack, "SELECT id FROM plans WHERE site_id = %s AND size_class = 'XL' AND period = 'monthly'",
                            self.site))
        self.wait_idle()
        donor = self.customer()
        self.prints = {}
        for image in self.IMAGES:
            c = Client(self.sock)
            _, final = c.converse({"op": "enroll", "customer": donor, "finger": "right-index"}, [image] * 5,
                                  finger=self.finger)
            c.close()
            assert final["ok"], final
            self.prints[image] = open_template(self.key, final["template"])[3]

    def customer(self, name=None):
        return new_customer(self.stack, self.site, name or "Finger " + uuid.uuid4().hex[:5])

    def contract(self, customer, state="active"):
        """A contract of customer on a new locker; (contract id, locker label)."""
        number = count(self.stack, "SELECT COALESCE(MAX(number), 0) + 1 FROM cells WHERE bank_id = %s", self.bank)
        label = "FP%d" % number
        self.stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm,"
                       " status) VALUES (%s, %s, %s, %s, 'XL', 400, 200, 500, 'occupied')",
                       self.bank, self.site, number, label)
        cell = int(one(self.stack, "SELECT id FROM cells WHERE bank_id = %s AND number = %s", self.bank, number))
        self.stack.sql("INSERT INTO contracts (site_id, customer_id, cell_id, plan_id, period, price, deposit, currency,"
                       " starts_on, state) VALUES (%s, %s, %s, %s, 'monthly', 100, 0, 'EUR', '2024-01-01', %s)",
                       self.site, customer, cell, self.plan, state)
        return int(one(self.stack, "SELECT id FROM contracts WHERE cell_id = %s", cell)), label

    def enroll(self, customer, image, finger="right-index"):
        blob = base64.b64decode(seal(self.key, self.site, customer, finger, self.prints[image]))
        self.stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, device_id, template)"
                       " VALUES (%s, %s, %s, 'virtual_image', '0', %s)", self.site, customer, finger, blob)

    def only(self, *customers):
        """Leaves only these customers' prints in the site's gallery."""
        marks = ",".join(["%s"] * len(customers)) or "0"
        self.stack.sql(f"DELETE FROM fingerprint_templates WHERE site_id = %s AND customer_id NOT IN ({marks})",
                       self.site, *customers)


def follow(r, desk, feed=(), stop=None):
    """Reads a streamed answer, placing the next of feed (an image, a
    (command, arg) control message, or None: the finger is there already)
    each time the reader asks for the finger.  stop(line) true hangs up
    there.  Returns (progress lines, final line or None)."""
    assert r.headers["Content-Type"].startswith("application/x-ndjson"), (r.status_code, r.headers, r.text[:300])
    feed, lines = list(feed), []
    for raw in r.iter_lines():
        if not raw:
            continue
        msg = json.loads(raw)
        if "ok" in msg:
            r.close()
            assert not feed, f"the operation ended before taking {feed}"
            return lines, msg
        lines.append(msg)
        if stop and stop(msg):
            r.close()
            return lines, None
        if msg.get("event") == "scan" and feed:
            item = feed.pop(0)
            if item:
                desk.finger.send(*(item if isinstance(item, tuple) else ("put", item)))
    raise AssertionError(f"the answer ended without its final line after {lines}")
