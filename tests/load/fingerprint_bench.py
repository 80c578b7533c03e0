"""fingerd's benchmark (make bench): enroll, verify and identify through
the real libfprint (virtual_image reader, NIST prints, bozorth3), on a
fingerd of its own against the bench's stack.

Galleries of 10, 100 and 1,000 prints are made from the four prints
enrolled once through fingerd: each row is a copy of one of them, opened
and sealed again in Python for its own customer (PyNaCl, the binding of
docs/fingerd.md §2), so fingerd reads, opens and deserialises every row
as it would real ones.  Two identify cases per size:

  no match  - the probe (whorl) against copies of the other three prints:
              libfprint compares it with every print of the gallery
  match last - one whorl row that comes last in fingerd's order (lowest
              id, never matched) among N-1 copies of the others; its time
              is the first identify after a start, then the same probe
              again once the match moved it to the front (most recently
              matched first)

Called by tools/bench; prints nothing itself.  Standalone against a
running stack:  python3 tests/load/fingerprint_bench.py BUILD VAR"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from finger_rig import Fingerd, new_customer, new_site, open_template, seal, site_key  # noqa: E402

SIZES = (10, 100, 1000)
OTHERS = ("arch", "loop-right", "tented_arch")


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else 0.0


def summary(ms):
    return {"n": len(ms), "median": statistics.median(ms) if ms else 0.0, "p95": percentile(ms, 95),
            "min": min(ms) if ms else 0.0, "max": max(ms) if ms else 0.0}


def timed(d, req, feed):
    t0 = time.monotonic()
    lines, final = d.ask(req, feed, timeout=600)
    return (time.monotonic() - t0) * 1000, final


def bulk_rows(stack, site, rows):
    """rows: (customer, finger, template base64); a dozen per INSERT, so
    each statement stays under the kernel's limit for one argument."""
    for i in range(0, len(rows), 12):
        values = ", ".join(f"({site}, {c}, '{f}', 'virtual_image', '0', FROM_BASE64('{t}'))" for c, f, t in rows[i:i + 12])
        stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, device_id, template)"
                  f" VALUES {values}")


def bulk_customers(stack, site, n):
    tag = os.urandom(4).hex()
    for i in range(0, n, 500):
        values = ", ".join(f"({site}, 'Bench {tag} {k}', '1980-01-01', 'passport', 'B{tag}{k:06d}', '2035-01-01')"
                           for k in range(i, min(n, i + 500)))
        stack.sql("INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry)"
                  f" VALUES {values}")
    return [int(r[0]) for r in stack.sql(f"SELECT id FROM customers WHERE doc_number LIKE 'B{tag}%' ORDER BY id")]


def gallery_site(stack, key, prints, n, match_last):
    """A site with n rows: copies of OTHERS, and with match_last a whorl
    row first (lowest id).  Returns (site, whorl customer or None)."""
    site = new_site(stack)
    customers = bulk_customers(stack, site, n)
    rows, target = [], None
    for i, c in enumerate(customers):
        image = "whorl" if match_last and i == 0 else OTHERS[i % len(OTHERS)]
        if image == "whorl":
            target = c
        rows.append((c, "right-index", seal(key, site, c, "right-index", prints[image])))
    bulk_rows(stack, site, rows)
    return site, target


def load_ms(d):
    for line in reversed(d.log(d.since).splitlines()):
        if "rows read in" in line:
            return float(line.split("rows read in ")[1].split(" ms")[0])
    return 0.0


def fingerprint_bench(stack, samples=None):
    """stack: what tests/finger_rig.py needs (var, build, sql).  Returns
    {"enroll", "verify", "identify": {N: {"none", "last_first", "last_mru",
    "load_ms"}}} with summaries in ms."""
    samples = samples or {10: 10, 100: 5, 1000: 3}
    key = site_key(stack.var)
    out = {"identify": {}}

    # Enrollment and verify on a site of their own.
    site = new_site(stack)
    d = Fingerd(stack, site, scan_timeout=60).start()
    try:
        enroll_ms, prints, customer = [], {}, None
        for image in ("whorl",) + OTHERS:
            for _ in range(3 if image == "whorl" else 1):
                customer = new_customer(stack, site)
                ms, final = timed(d, {"op": "enroll", "customer": customer, "finger": "right-index"}, [image] * 5)
                assert final["ok"], final
                enroll_ms.append(ms)
                prints[image] = open_template(key, final["template"])[3]
                if image == "whorl":
                    whorl_customer, whorl_template = customer, final["template"]
        stack.sql("INSERT INTO fingerprint_templates (site_id, customer_id, finger, driver, template)"
                  " VALUES (%s, %s, 'right-index', 'virtual_image', FROM_BASE64(%s))", site, whorl_customer,
                  whorl_template)
        verify_ms = []
        for _ in range(20):
            ms, final = timed(d, {"op": "verify", "customer": whorl_customer}, ["whorl"])
            assert final.get("match") is True, final
            verify_ms.append(ms)
        out["enroll"], out["verify"] = summary(enroll_ms), summary(verify_ms)
    finally:
        d.stop()

    for n in SIZES:
        k = samples.get(n, 3)
        res = {}
        # No match: every print of the gallery is compared.
        site, _ = gallery_site(stack, key, prints, n, match_last=False)
        d = Fingerd(stack, site, scan_timeout=60).start()
        try:
            res["load_ms"] = load_ms(d)
            none = []
            for _ in range(k):
                ms, final = timed(d, {"op": "identify"}, ["whorl"])
                assert final.get("match") is False, final
                none.append(ms)
            res["none"] = summary(none)
        finally:
            d.stop()
        # The one match last in the order: first identify of a fresh start,
        # then again with the match moved to the front.
        site, target = gallery_site(stack, key, prints, n, match_last=True)
        first, mru = [], []
        for _ in range(k):
            d = Fingerd(stack, site, scan_timeout=60).start()
            try:
                ms, final = timed(d, {"op": "identify"}, ["whorl"])
                assert final.get("customer") == target, final
                first.append(ms)
                ms, final = timed(d, {"op": "identify"}, ["whorl"])
                assert final.get("customer") == target, final
                mru.append(ms)
            finally:
                d.stop()
        res["last_first"], res["last_mru"] = summary(first), summary(mru)
        out["identify"][n] = res
    return out


def report(r):
    """The bench's lines for these figures."""
    lines = ["fingerd (libfprint virtual_image reader, NIST prints, bozorth3 on one core), ms:",
             f"{'':52} {'n':>4} {'median':>9} {'p95':>9}"]

    def row(label, s):
        lines.append(f"{label:52} {s['n']:4} {s['median']:9.0f} {s['p95']:9.0f}")
    row("enroll, 5 captures", r["enroll"])
    row("verify, genuine probe (1 print)", r["verify"])
    for n, res in r["identify"].items():
        row(f"identify {n:,} prints, no match", res["none"])
        row(f"identify {n:,} prints, match last (first time)", res["last_first"])
        row(f"identify {n:,} prints, same probe again (MRU first)", res["last_mru"])
        lines.append(f"{'  its rows read at start (query, open, deserialise)':52} {'':4} {res['load_ms']:9.0f}")
    return lines


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

    class _Stack:
        def __init__(self, build, var):
            from helpers import run_sql
            self.build, self.var = os.path.abspath(build), os.path.abspath(var)
            self.sock = os.path.join(self.var, "db", "mysqld.sock")
            self.sql = lambda q, *p: run_sql(self.sock, os.environ.get("USER") or "root", q, *p)
    print("\n".join(report(fingerprint_bench(_Stack(sys.argv[1], sys.argv[2])))))
