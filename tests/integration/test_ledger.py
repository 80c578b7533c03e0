"""The ledger against the real stack, through its public C API (the
ledger-torture program, run with the back office's own database account so
its grants are proven sufficient): concurrent random postings whose sums
must match every balance, strongroomctl verify catching a corrupted cached
balance, append-only grants, idempotency, reversals, gap-free receipt
numbers, and dates in the site's time zone."""
import os
import re
import subprocess
import uuid

import pytest
from helpers import one


def tool(stack, name):
    path = os.path.join(stack.build, "bin", name)
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: make build BUILD=...")
    return path


def config(stack):
    return os.path.join(stack.var, "strongroom.hdf")


def new_site(stack, time_zone="Europe/Berlin", currency="EUR"):
    """A site of our own, so document numbers and balances are ours alone."""
    name = "Ledger test " + uuid.uuid4().hex[:10]
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, %s, %s, 'en', 1)",
              name, time_zone, currency)
    return int(one(stack, "SELECT id FROM sites WHERE name = %s", name))


class Ledger:
    """Drives single postings through `ledger-torture --script`."""

    def __init__(self, stack, site):
        self.proc = subprocess.Popen([tool(stack, "ledger-torture"), "-c", config(stack), "-a", "backoffice",
                                      "--site", str(site), "--script"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", errors="surrogateescape")

    def __call__(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline().split()
        assert len(out) == 6, (line, out, self.proc.stderr.read() if self.proc.poll() is not None else "")
        status, journal, doc, balance, field, code = out
        return {"status": status, "journal": int(journal), "doc": int(doc), "balance": int(balance),
                "field": field, "code": code}

    def batch(self, *members):
        """Payments through one ledger_post_batch; members are
        (customer, amount, method, key)."""
        line = "batch " + " ".join(f"{c}:{a}:{m}:{k}" for c, a, m, k in members)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline().split()
        assert len(out) == 6, (line, out)
        status, journals, docs, statuses, field, code = out
        return {"status": status, "journals": [int(x) for x in journals.split(",")],
                "docs": [int(x) for x in docs.split(",")], "statuses": statuses.split(","),
                "field": field, "code": code}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture
def ledger(stack):
    made = []

    def make(site):
        lg = Ledger(stack, site)
        made.append(lg)
        return lg
    yield make
    for lg in made:
        lg.close()


def verify(stack):
    return subprocess.run([tool(stack, "strongroomctl"), "-c", config(stack), "verify"],
                          capture_output=True, text=True, timeout=300)


# ---------- the property test ----------

def test_concurrent_random_postings_match_every_balance(stack):
    site = new_site(stack)
    r = subprocess.run([tool(stack, "ledger-torture"), "-c", config(stack), "-a", "backoffice", "--site", str(site),
                        "--customers", "12", "--ops", "1500", "--procs", "4", "--seed", "7"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "balances: 12 customers, 0 wrong" in r.stdout, r.stdout
    assert "invariants hold" in r.stdout, r.stdout
    assert "unexpected results: 0" in r.stdout, r.stdout
    ops = re.search(r"ops: (\d+) ok, (\d+) replayed, (\d+) invalid, (\d+) conflict", r.stdout)
    ok, replayed, invalid, conflict = map(int, ops.groups())
    # Every kind of operation really happened, and collided.
    assert ok > 3000 and replayed > 300 and invalid > 300 and conflict > 0, r.stdout
    # Receipts of the site are numbered 1..N without a gap, invalid and
    # rolled-back postings in between notwithstanding.
    n, lo, hi = stack.sql("SELECT COUNT(*), MIN(doc_number), MAX(doc_number) FROM ledger_journals"
                          " WHERE site_id = %s AND doc_series = 'receipt'", site)[0]
    assert int(n) > 1000 and lo == "1" and hi == n
    n, hi = stack.sql("SELECT COUNT(*), MAX(doc_number) FROM ledger_journals"
                      " WHERE site_id = %s AND doc_series = 'invoice'", site)[0]
    assert int(n) > 100 and hi == n
    # One audit row per journal.
    assert one(stack, "SELECT COUNT(*) FROM ledger_journals WHERE site_id = %s", site) == \
        one(stack, "SELECT COUNT(*) FROM audit_log WHERE site_id = %s AND action LIKE 'ledger.%%'", site)

    v = verify(stack)
    assert v.returncode == 0, v.stdout + v.stderr
    assert re.search(r"ledger: \d+ journals, \d+ entries, \d+ accounts: invariants hold", v.stdout), v.stdout


def test_verify_names_a_corrupted_balance_and_a_broken_journal(stack, ledger):
    site = new_site(stack)
    lg = ledger(site)
    cust = lg("customer")["journal"]
    pay = lg(f"payment {cust} 2500 card k-{uuid.uuid4().hex}")
    assert pay["status"] == "ok"
    acc = one(stack, "SELECT id FROM ledger_accounts WHERE customer_id = %s", cust)
    try:
        stack.sql("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = %s", acc)
        v = verify(stack)
        assert v.returncode == 1, v.stdout
        assert "BROKEN" in v.stdout and f"account {acc} (customer:{cust})" in v.stdout, v.stdout
        assert "1 accounts have a cached balance" in v.stdout
    finally:
        stack.sql("UPDATE ledger_accounts SET balance = balance - 1 WHERE id = %s", acc)
    assert verify(stack).returncode == 0

    entry = one(stack, "SELECT MIN(id) FROM ledger_entries WHERE journal_id = %s", pay["journal"])
    try:
        stack.sql("UPDATE ledger_entries SET amount = amount + 7 WHERE id = %s", entry)
        v = verify(stack)
        assert v.returncode == 1
        assert f"journal {pay['journal']} has 2 entries summing to 7" in v.stdout, v.stdout
    finally:
        stack.sql("UPDATE ledger_entries SET amount = amount - 7 WHERE id = %s", entry)
    assert verify(stack).returncode == 0


# ---------- grants ----------

@pytest.mark.parametrize("statement", [
    "UPDATE ledger_journals SET amount = 0",
    "DELETE FROM ledger_journals",
    "UPDATE ledger_entries SET amount = 1",
    "DELETE FROM ledger_entries",
    "DELETE FROM ledger_accounts",
    "UPDATE ledger_accounts SET code = 'x'",
    "UPDATE ledger_accounts SET customer_id = NULL",
    "UPDATE audit_head SET last_hash = REPEAT('0', 64)",
    "DELETE FROM audit_head",
])
@pytest.mark.parametrize("account", ["backoffice", "api"])
def test_program_accounts_cannot_rewrite_the_ledger(stack, statement, account):
    with open(os.path.join(stack.var, "secrets", f"db-{account}.pw")) as f:
        password = f.read().strip()
    before = one(stack, "SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(amount), 0)) FROM ledger_entries")
    r = subprocess.run(["mariadb", f"--user=sr_{account}", f"--password={password}", f"--socket={stack.sock}",
                        "strongroom", "-e", statement + " WHERE id > 0"], capture_output=True, text=True)
    assert r.returncode != 0
    assert "denied" in r.stderr, r.stderr
    assert one(stack, "SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(amount), 0)) FROM ledger_entries") == before


# ---------- single postings ----------

def test_idempotent_payment_posts_once(stack, ledger):
    site = new_site(stack)
    lg = ledger(site)
    cust = lg("customer")["journal"]
    key = "k-" + uuid.uuid4().hex
    first = lg(f"payment {cust} 1234 cash {key}")
    assert first["status"] == "ok" and first["doc"] == 1 and first["balance"] == -1234
    again = lg(f"payment {cust} 1234 cash {key}")
    assert again == dict(first, status="replayed")
    # Even with other data the key answers with the journal posted first.
    other = lg(f"payment {cust} 9999 card {key}")
    assert other["status"] == "replayed" and other["journal"] == first["journal"]
    assert one(stack, "SELECT COUNT(*) FROM ledger_journals WHERE idem_key = %s", key) == "1"
    assert lg(f"balance {cust}")["balance"] == -1234
    # A key used on another site is not answered for there.
    lg2 = ledger(new_site(stack))
    cust2 = lg2("customer")["journal"]
    res = lg2(f"payment {cust2} 100 cash {key}")
    assert res["status"] == "conflict" and res["code"] == "key_reused"


def test_batch_posts_whole_with_consecutive_receipts_or_nothing(stack, ledger):
    site = new_site(stack)
    lg = ledger(site)
    c1, c2 = lg("customer")["journal"], lg("customer")["journal"]
    k = ["b-" + uuid.uuid4().hex for _ in range(6)]
    first = lg(f"payment {c1} 1234 cash {k[0]}")
    assert first["status"] == "ok" and first["doc"] == 1
    audit_before = int(one(stack, "SELECT COUNT(*) FROM audit_log"))
    # A member with a key posted before is answered, not posted again.
    res = lg.batch((c1, 100, "cash", k[1]), (c2, 999, "card", k[0]), (c2, 300, "bank_transfer", k[2]))
    assert res["status"] == "ok" and res["statuses"] == ["ok", "replayed", "ok"], res
    assert res["journals"][1] == first["journal"]
    assert res["docs"] == [2, 1, 3]
    assert lg(f"balance {c1}")["balance"] == -1334 and lg(f"balance {c2}")["balance"] == -300
    assert int(one(stack, "SELECT COUNT(*) FROM audit_log")) == audit_before + 2
    assert stack.sql("SELECT action, object_id FROM audit_log WHERE object_type = 'journal' AND object_id IN (%s, %s)"
                     " ORDER BY id", res["journals"][0], res["journals"][2]) == \
        [["ledger.payment", str(res["journals"][0])], ["ledger.payment", str(res["journals"][2])]]
    # One unknown customer refuses the whole batch: nothing posted, no number used.
    refused = lg.batch((c1, 50, "cash", k[3]), (987654321, 60, "cash", k[4]))
    assert refused["status"] == "not_found" and refused["field"] == "customer_id", refused
    assert refused["statuses"] == ["ok", "not_found"]      # which member is at fault
    assert one(stack, "SELECT COUNT(*) FROM ledger_journals WHERE idem_key IN (%s, %s)", k[3], k[4]) == "0"
    assert lg(f"payment {c1} 1 cash {k[5]}")["doc"] == 4
    assert lg(f"balance {c1}")["balance"] == -1335
    r = verify(stack)
    assert r.returncode == 0, r.stdout + r.stderr


def test_reversal_once_and_never_of_a_reversal(stack, ledger):
    site = new_site(stack)
    lg = ledger(site)
    cust = lg("customer")["journal"]
    charge = lg(f"charge {cust} charge 5000 k-{uuid.uuid4().hex}")
    assert charge["status"] == "ok" and charge["doc"] == 1 and charge["balance"] == 5000
    rkey = "r-" + uuid.uuid4().hex
    rev = lg(f"reverse {charge['journal']} {rkey} wrong customer <script>x</script>")
    assert rev["status"] == "ok" and rev["balance"] == 0 and rev["doc"] == 0
    row = stack.sql("SELECT kind, reverses_id, memo, amount, customer_id FROM ledger_journals WHERE id = %s",
                    rev["journal"])[0]
    assert row == ["reversal", str(charge["journal"]), "wrong customer <script>x</script>", "5000", str(cust)]
    # Its entries are the original's, flipped.
    assert stack.sql("SELECT a.code, e.amount FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id"
                     " WHERE e.journal_id = %s ORDER BY a.code", rev["journal"]) == \
        [[f"customer:{cust}", "-5000"], ["rent_revenue", "5000"]]
    assert lg(f"reverse {charge['journal']} {rkey} again")["status"] == "replayed"
    twice = lg(f"reverse {charge['journal']} r-{uuid.uuid4().hex} again")
    assert twice["status"] == "conflict" and twice["code"] == "already_reversed"
    of_reversal = lg(f"reverse {rev['journal']} r-{uuid.uuid4().hex} undo")
    assert of_reversal["status"] == "conflict" and of_reversal["code"] == "is_reversal"
    no_reason = lg(f"reverse {charge['journal']} r-{uuid.uuid4().hex}  ")
    assert no_reason["status"] == "invalid" and no_reason["code"] == "reason_required"
    assert lg(f"balance {cust}")["balance"] == 0
    # Another site's journal is not found from here.
    lg2 = ledger(new_site(stack))
    res = lg2(f"reverse {charge['journal']} r-{uuid.uuid4().hex} mine now")
    assert res["status"] == "not_found"


def test_receipt_numbers_have_no_gaps(stack, ledger):
    site = new_site(stack)
    lg = ledger(site)
    cust = lg("customer")["journal"]
    docs = []
    for i in range(3):
        docs.append(lg(f"payment {cust} {100 + i} cash k-{uuid.uuid4().hex}")["doc"])
        bad = lg(f"payment {cust} 0 cash k-{uuid.uuid4().hex}")              # refused before the DB
        assert bad["status"] == "invalid" and bad["code"] == "amount_invalid"
        bad = lg(f"payment {cust} 100 cheque k-{uuid.uuid4().hex}")
        assert bad["status"] == "invalid" and bad["code"] == "method_invalid"
        bad = lg(f"payment 999999999 100 cash k-{uuid.uuid4().hex}")         # unknown customer: rolled back
        assert bad["status"] == "not_found"
        lg(f"adjust {cust} credit 5 k-{uuid.uuid4().hex} goodwill")           # no receipt
        # Refused by the database after the receipt number was taken (not
        # UTF-8): the transaction rolls back and gives the number back.
        bad = lg(f"payment {cust} 100 cash k-{uuid.uuid4().hex} ref \udcff\udcfe")
        assert bad["status"] == "error"
    assert docs == [1, 2, 3]
    # Another site counts on its own.
    lg2 = ledger(new_site(stack))
    assert lg2(f"payment {lg2('customer')['journal']} 100 cash k-{uuid.uuid4().hex}")["doc"] == 1
    assert one(stack, "SELECT next_no FROM doc_counters WHERE site_id = %s AND series = 'receipt'", site) == "4"


def test_adjustments_need_a_reason_and_move_the_right_way(stack, ledger):
    lg = ledger(new_site(stack))
    cust = lg("customer")["journal"]
    assert lg(f"adjust {cust} debit 700 k-{uuid.uuid4().hex} late fee")["balance"] == 700
    assert lg(f"adjust {cust} credit 200 k-{uuid.uuid4().hex} goodwill")["balance"] == 500
    assert lg(f"adjust {cust} write_off 500 k-{uuid.uuid4().hex} bad debt")["balance"] == 0
    res = lg(f"adjust {cust} credit 200 k-{uuid.uuid4().hex}")
    assert res["status"] == "invalid" and (res["field"], res["code"]) == ("memo", "reason_required")
    res = lg(f"adjust {cust} gift 200 k-{uuid.uuid4().hex} why")
    assert res["status"] == "invalid" and res["code"] == "kind_invalid"
    # SQL text in a memo is stored verbatim.
    memo = "x'); DROP TABLE ledger_entries; --"
    key = "k-" + uuid.uuid4().hex
    assert lg(f"adjust {cust} debit 1 {key} {memo}")["status"] == "ok"
    assert one(stack, "SELECT memo FROM ledger_journals WHERE idem_key = %s", key) == memo


def test_postings_are_dated_in_the_site_time_zone(stack, ledger):
    # UTC+14: the local date differs from the UTC date for most of the day.
    site = new_site(stack, time_zone="Pacific/Kiritimati")
    lg = ledger(site)
    cust = lg("customer")["journal"]
    res = lg(f"payment {cust} 100 cash k-{uuid.uuid4().hex}")
    got = one(stack, "SELECT value_date FROM ledger_journals WHERE id = %s", res["journal"])
    want = one(stack, "SELECT DATE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', 'Pacific/Kiritimati'))")
    assert got == want
    # A zone the server does not know falls back to the UTC date.
    site2 = new_site(stack, time_zone="Mars/Olympus_Mons")
    lg2 = ledger(site2)
    cust2 = lg2("customer")["journal"]
    res = lg2(f"payment {cust2} 100 cash k-{uuid.uuid4().hex}")
    assert res["status"] == "ok"
    assert one(stack, "SELECT value_date FROM ledger_journals WHERE id = %s", res["journal"]) == \
        one(stack, "SELECT UTC_DATE()")


def test_statement_periods_totals_and_reversals(stack, ledger):
    lg = ledger(new_site(stack))
    cust = lg("customer")["journal"]
    c1 = lg(f"charge {cust} charge 1000 k-{uuid.uuid4().hex}")["journal"]
    assert lg(f"payment {cust} 300 card k-{uuid.uuid4().hex}")["status"] == "ok"
    rev = lg(f"reverse {c1} r-{uuid.uuid4().hex} billed twice")["journal"]
    lg(f"adjust {cust} debit 50 k-{uuid.uuid4().hex} fee")
    out = lg(f"statement {cust} - -")
    assert out["status"] == "ok" and out["journal"] == 4
    assert out["doc"] == 0 and out["balance"] == 1000 - 300 - 1000 + 50
    assert out["field"] == f"{c1}:{rev}"
    assert out["code"] == f"{1000 + 50}/{300 + 1000}"
    # A period after everything: opening is the whole balance, no lines.
    out = lg(f"statement {cust} 2999-01-01 2999-12-31")
    assert (out["journal"], out["doc"], out["balance"]) == (0, -250, -250)
    # A period before everything: empty, zero.
    out = lg(f"statement {cust} 2020-01-01 2020-01-02")
    assert (out["journal"], out["doc"], out["balance"]) == (0, 0, 0)


def test_statement_of_ten_thousand_lines(stack):
    site = new_site(stack)
    r = subprocess.run([tool(stack, "ledger-torture"), "-c", config(stack), "-a", "backoffice", "--site", str(site),
                        "--statement", "0", "--ops", "3500", "--procs", "4", "--runs", "5"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"statement: customer (\d+), (\d+) lines, closing (-?\d+)", r.stdout)
    assert m and int(m.group(2)) >= 7000, r.stdout
    cust = m.group(1)
    # One line per journal of the customer, ending on the account's balance.
    assert int(m.group(2)) == int(one(stack, "SELECT COUNT(*) FROM ledger_journals WHERE customer_id = %s", cust))
    assert m.group(3) == one(stack, "SELECT balance FROM ledger_accounts WHERE customer_id = %s", cust)
