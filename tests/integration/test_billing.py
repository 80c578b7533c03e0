"""The billing run (`strongroomctl billing run`) over simulated months
with --as-of, against the real stack: contracts are made through the API
(so contract_create sets their first period), the run charges through
lib/ledger, and the tests read the tables and `strongroomctl verify`.
Every run is limited to the test's own site (--site), so other tests'
contracts are never touched."""
import json
import os
import random
import signal
import subprocess
import time

import pytest

from helpers import one, count, csrf_of, hidden
from test_api_vault import Vault
from billing_rig import bulk_contracts


def ctl(stack, *args, check=True):
    """strongroomctl against the test stack; returns (exit code, stdout, stderr)."""
    p = subprocess.run([os.path.join(stack.build, "bin", "strongroomctl"), "-c",
                        os.path.join(stack.var, "strongroom.hdf"), *args], capture_output=True, text=True, timeout=600)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.returncode, p.stdout, p.stderr


def run(stack, site, as_of, check=True):
    return ctl(stack, "billing", "run", "--site", str(site), "--as-of", as_of, check=check)


def charges(stack, contract):
    """The rent journals of a contract: [(period start, amount, value date)]."""
    return [(r[0], int(r[1]), r[2]) for r in stack.sql(
        "SELECT SUBSTRING_INDEX(idem_key, ':', -1), amount, value_date FROM ledger_journals"
        " WHERE contract_id = %s AND kind = 'charge' ORDER BY idem_key", contract)]


def close(stack, session, contract, ends_on, shows=None):
    """Closes a contract through the back office's close form, whose
    settlement must show the text `shows` when given."""
    page = session.get(f"{stack.base}/admin/contracts/{contract}/close", params={"ends_on": ends_on})
    assert page.status_code == 200, page.text[:300]
    if shows:
        assert shows in page.text, page.text
    r = session.post(f"{stack.base}/admin/contracts/{contract}/close", allow_redirects=False,
                     data={"_csrf": csrf_of(page.text), "idem_key": hidden(page.text, "idem_key"), "ends_on": ends_on,
                           "method": "cash"})
    assert r.status_code == 303 and "done=closed" in r.headers["Location"], (r.status_code, r.text[:500])


def assert_ledger_holds(stack):
    code, out, err = ctl(stack, "verify", check=False)
    assert code == 0 and "invariants hold" in out, (out, err)


def balance(stack, customer):
    return int(one(stack, "SELECT balance FROM ledger_accounts WHERE customer_id = %s", customer))


@pytest.fixture
def vault(stack):
    v = Vault(stack, deposit=0)
    stack.sql("UPDATE sites SET time_zone = 'UTC' WHERE id = %s", v.site)
    return v


def test_monthly_periods_on_the_first_once(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2026-01-15")
    # Period 0 (15-31 January) was charged when the contract was made.
    assert charges(stack, k["id"]) == [("2026-01-15", round(3000 * 17 / 31), "2026-01-15")]
    assert one(stack, "SELECT next_period_on FROM contracts WHERE id = %s", k["id"]) == "2026-02-01"

    code, out, _ = run(stack, vault.site, "2026-01-31 23:59:59")
    assert "0 charged" in out and len(charges(stack, k["id"])) == 1
    code, out, _ = run(stack, vault.site, "2026-02-01 00:00:00")
    assert charges(stack, k["id"])[1] == ("2026-02-01", 3000, "2026-02-01")
    assert "1 charged (1 periods)" in out and "total EUR 30.00" in out, out
    code, out, _ = run(stack, vault.site, "2026-02-01 00:00:00")          # rerun: nothing new
    assert "0 charged (0 periods)" in out and len(charges(stack, k["id"])) == 2
    # Three months later at once: March, April and May (the bound is 3).
    run(stack, vault.site, "2026-05-20 12:00:00")
    assert [p for p, _, _ in charges(stack, k["id"])] == \
        ["2026-01-15", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]
    assert one(stack, "SELECT CONCAT(next_period_no, ' ', next_period_on) FROM contracts WHERE id = %s",
               k["id"]) == "5 2026-06-01"
    memo = one(stack, "SELECT memo FROM ledger_journals WHERE idem_key = %s", f"rent:{k['id']}:2026-04-01")
    assert memo == "Rent 2026-04-01 to 2026-04-30"
    assert balance(stack, c["id"]) == round(3000 * 17 / 31) + 4 * 3000
    # Every charge has its invoice number, and is named in the audit row
    # of its batch (one row per batch, listing every journal it posted).
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE contract_id = %s AND doc_series = 'invoice'"
                        " AND doc_number IS NOT NULL", k["id"]) == 5
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals j WHERE j.contract_id = %s AND j.posted_by = 'billing'"
                        " AND EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'ledger.batch' AND a.actor_name = 'billing'"
                        " AND JSON_CONTAINS(JSON_EXTRACT(a.detail, '$.journals'), CAST(j.id AS CHAR)))", k["id"]) == 4
    batch = json.loads(one(stack, "SELECT detail FROM audit_log WHERE action = 'ledger.batch' AND actor_name = 'billing'"
                                  " AND site_id = %s ORDER BY id DESC LIMIT 1", vault.site))
    assert batch["kind"] == "charge" and batch["count"] == len(batch["journals"]) and batch["currency"] == "EUR"
    assert batch["amount"] == count(stack, "SELECT SUM(amount) FROM ledger_journals WHERE id IN (%s)"
                                           % ",".join(map(str, batch["journals"])))
    assert_ledger_holds(stack)


def test_due_notice_before_the_period_once(stack, vault):
    stack.sql("UPDATE sites SET bill_notice_days = 5 WHERE id = %s", vault.site)
    c = vault.customer(language="ru")
    k = vault.contract(c["id"], starts_on="2026-01-15")
    notices = lambda: stack.sql("SELECT channel, language, subject FROM outbox WHERE customer_id = %s"
                                " AND kind = 'due_soon' ORDER BY CAST(channel AS CHAR)", c["id"])
    run(stack, vault.site, "2026-01-26 12:00:00")
    assert notices() == []
    code, out, _ = run(stack, vault.site, "2026-01-27 00:00:01")
    assert [r[:2] for r in notices()] == [["email", "ru"], ["sms", "ru"]] and "2 due notices" in out, out
    assert "2026-02-01" in notices()[0][2]
    run(stack, vault.site, "2026-01-28 00:00:01")
    assert len(notices()) == 2
    # February's charge sets up March's notice for 24 February.
    run(stack, vault.site, "2026-02-24 08:00:00")
    assert count(stack, "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE %s",
                 f"due_soon:{k['id']}:2026-03-01:%") == 2


def test_yearly_anniversary_and_29_february(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2024-02-29", period="yearly")
    assert charges(stack, k["id"]) == [("2024-02-29", 30000, "2024-02-29")]
    run(stack, vault.site, "2025-02-27 23:59:59")
    assert len(charges(stack, k["id"])) == 1
    run(stack, vault.site, "2025-02-28 00:00:00")
    run(stack, vault.site, "2028-03-01 00:00:00")                          # catches up three years
    assert [p for p, _, _ in charges(stack, k["id"])] == \
        ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"]
    assert all(a == 30000 for _, a, _ in charges(stack, k["id"]))
    assert_ledger_holds(stack)


@pytest.mark.parametrize("zone,before,at", [
    ("Pacific/Kiritimati", "2026-01-31 09:59:59", "2026-01-31 10:00:00"),   # UTC+14: the 1st comes early
    ("Pacific/Pago_Pago", "2026-02-01 10:59:59", "2026-02-01 11:00:00"),    # UTC-11: it comes late
    ("Europe/London", "2026-01-31 23:59:59", "2026-02-01 00:00:00"),        # midnight at UTC midnight
])
def test_the_first_in_the_site_time_zone(stack, vault, zone, before, at):
    stack.sql("UPDATE sites SET time_zone = %s WHERE id = %s", zone, vault.site)
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2026-01-10")
    run(stack, vault.site, before)
    assert len(charges(stack, k["id"])) == 1
    run(stack, vault.site, at)
    assert charges(stack, k["id"])[-1] == ("2026-02-01", 3000, "2026-02-01")


def test_safety_bound_parks_then_operator_charges_or_waives(stack, vault):
    c = vault.customer()
    charged_one = vault.contract(c["id"], starts_on="2026-01-10")["id"]
    waived_one = vault.contract(c["id"], starts_on="2026-01-10")["id"]
    code, out, _ = run(stack, vault.site, "2026-06-02 08:00:00")       # February..June: 5 > 3
    assert "2 parked" in out, out
    assert len(charges(stack, charged_one)) == 1 and len(charges(stack, waived_one)) == 1
    assert one(stack, "SELECT parked_periods FROM contracts WHERE id = %s", charged_one) == "5"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'billing.park' AND object_id IN (%s, %s)",
                 charged_one, waived_one) == 2
    # The operator hears of it on the staff channels, once a day.
    alerts = stack.sql("SELECT CAST(channel AS CHAR), recipient, body_text FROM outbox WHERE dedupe_key LIKE %s"
                       " ORDER BY 1", f"parked:{vault.site}:2026-06-02:%")
    assert [a[:2] for a in alerts] == [["slack", "ops"], ["teams", "ops"]] and "2" in alerts[0][2], alerts
    code, out, _ = run(stack, vault.site, "2026-06-03 08:00:00")       # still parked, nothing charged
    assert "2 parked" in out and "0 charged" in out

    code, _, err = ctl(stack, "billing", "release", str(charged_one), "charge", "--as-of", "2026-06-03 08:00:00",
                       check=False)
    assert code != 0 and "reason" in err                                  # a reason is required
    ctl(stack, "billing", "release", str(charged_one), "charge", "--reason", "Back from abroad, agreed",
        "--as-of", "2026-06-03 08:00:00")
    assert [p for p, _, _ in charges(stack, charged_one)][1:] == \
        ["2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"]
    ctl(stack, "billing", "release", str(waived_one), "waive", "--reason", "Bank closed for repairs",
        "--as-of", "2026-06-03 08:00:00")
    assert len(charges(stack, waived_one)) == 1
    assert one(stack, "SELECT CONCAT(next_period_on, ' ', parked_at IS NULL) FROM contracts WHERE id = %s",
               waived_one) == "2026-07-01 1"
    code, _, err = ctl(stack, "billing", "release", str(waived_one), "waive", "--reason", "again", check=False)
    assert code != 0 and "not_parked" in err
    code, out, _ = run(stack, vault.site, "2026-07-01 08:00:00")
    assert "0 parked" in out and "2 charged (2 periods)" in out
    assert_ledger_holds(stack)


def test_bad_as_of_changes_nothing(stack, vault):
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2026-01-10")
    before = count(stack, "SELECT COUNT(*) FROM ledger_journals")
    for bad in ("yesterday", "2026-13-01 00:00:00", "2026-02-30 10:00:00"):
        code, out, err = run(stack, vault.site, bad, check=False)
        assert code != 0 and "as-of" in err, (bad, out, err)
    code, out, err = ctl(stack, "billing", "run", "--site", "999999999", check=False)
    assert code != 0 and "no site" in err
    code, out, err = ctl(stack, "billing", "frobnicate", check=False)
    assert code == 2 and "usage" in err
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals") == before
    assert len(charges(stack, k["id"])) == 1


def test_proration_policy_at_start_and_close(stack, vault, login):
    admin = login("admin", stack.creds["admin"])
    c = vault.customer()
    # daily: the first period from the 10th, and the unused days back at closing.
    k = vault.contract(c["id"], starts_on="2026-03-10")
    assert charges(stack, k["id"])[0][1] == round(3000 * 22 / 31)
    run(stack, vault.site, "2026-04-01 00:00:00")
    close(stack, admin, k["id"], "2026-04-10", shows="Unused rent given back")
    credit = stack.sql("SELECT amount, memo FROM ledger_journals WHERE contract_id = %s AND kind = 'credit'", k["id"])
    assert [int(credit[0][0])] == [round(3000 * 20 / 30)] and "unused rent" in credit[0][1], credit
    assert one(stack, "SELECT next_period_on IS NULL FROM contracts WHERE id = %s", k["id"]) == "1"
    run(stack, vault.site, "2026-06-01 00:00:00")                       # closed: never charged again
    assert len(charges(stack, k["id"])) == 2

    # none: the first period in full, nothing back.
    stack.sql("UPDATE sites SET bill_prorate = 'none' WHERE id = %s", vault.site)
    k = vault.contract(c["id"], starts_on="2026-03-10")
    assert charges(stack, k["id"])[0][1] == 3000
    run(stack, vault.site, "2026-04-01 00:00:00")
    close(stack, admin, k["id"], "2026-04-10", shows="Rent already charged in advance is not refunded.")
    assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE contract_id = %s AND kind = 'credit'", k["id"]) == 0
    assert_ledger_holds(stack)


def test_due_overdue_suspended_and_payment_brings_back(stack, vault):
    stack.sql("UPDATE sites SET bill_overdue_days = 10, bill_suspend_days = 30 WHERE id = %s", vault.site)
    c = vault.customer()
    k = vault.contract(c["id"], starts_on="2026-01-01")                  # 3000 owed from 1 January
    stage = lambda: stack.sql("SELECT stage, oldest_unpaid FROM customer_dues WHERE customer_id = %s", c["id"])
    run(stack, vault.site, "2026-01-10 12:00:00")
    assert stage() == []                                                  # nine days: only due
    code, out, _ = run(stack, vault.site, "2026-01-11 12:00:00")
    assert stage() == [["overdue", "2026-01-01"]] and "1 overdue" in out, out
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k["id"]) == "active"
    code, out, _ = run(stack, vault.site, "2026-01-31 12:00:00")
    assert stage() == [["suspended", "2026-01-01"]] and "1 suspended" in out, out
    assert one(stack, "SELECT CONCAT(state, ' ', arrears_suspended) FROM contracts WHERE id = %s", k["id"]) \
        == "suspended 1"
    r = vault.s.post(vault.url("/api/v1/visits"), json={"contract_id": k["id"], "verified_by": "staff_override",
                                                       "override_reason": "Customer insists"})
    assert r.status_code == 422 and r.json()["code"] == "contract_suspended"

    # February's rent is charged; paying January's alone is not enough to
    # stay suspended (the oldest unpaid is now 1 February: overdue no more).
    run(stack, vault.site, "2026-02-01 12:00:00")
    vault.pay(c["id"], 3000)
    code, out, _ = run(stack, vault.site, "2026-02-01 13:00:00")
    assert stage() == [] and one(stack, "SELECT state FROM contracts WHERE id = %s", k["id"]) == "active"
    assert count(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.arrears_resume' AND object_id = %s",
                 k["id"]) == 1
    # Each stage change told the customer once, on both channels.
    sent = stack.sql("SELECT kind, channel, COUNT(*) FROM outbox WHERE customer_id = %s AND kind IN"
                     " ('overdue', 'suspended', 'resumed') GROUP BY kind, channel ORDER BY kind, CAST(channel AS CHAR)", c["id"])
    assert sent == [[k, ch, "1"] for k in ("overdue", "resumed", "suspended") for ch in ("email", "sms")], sent
    assert "Your rent of 30.00 EUR is unpaid since 2026-01-01." in one(
        stack, "SELECT body_text FROM outbox WHERE customer_id = %s AND kind = 'overdue' AND channel = 'sms'", c["id"])
    # A clerk's own suspension is not lifted by a payment.
    stack.sql("UPDATE contracts SET state = 'suspended', state_reason = 'Police hold' WHERE id = %s", k["id"])
    vault.pay(c["id"], 3000)
    run(stack, vault.site, "2026-03-15 13:00:00")
    assert one(stack, "SELECT state FROM contracts WHERE id = %s", k["id"]) == "suspended"
    assert_ledger_holds(stack)


def test_killed_runs_charge_every_period_exactly_once(stack, vault):
    first, last = bulk_contracts(stack.sql, vault.site, 6000, "2026-01-15", "2026-02-01")
    argv = [os.path.join(stack.build, "bin", "strongroomctl"), "-c", os.path.join(stack.var, "strongroom.hdf"),
            "billing", "run", "--site", str(vault.site), "--as-of", "2026-04-01 06:00:00", "--quiet"]
    rng = random.Random(5)
    kills = 0
    for _ in range(6):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    run(stack, vault.site, "2026-04-01 06:00:00")                         # the one that finishes
    assert kills >= 1
    per = stack.sql("SELECT k.id, COUNT(j.id) FROM contracts k LEFT JOIN ledger_journals j ON j.contract_id = k.id"
                    " AND j.kind = 'charge' WHERE k.id BETWEEN %s AND %s GROUP BY k.id", first, last)
    assert len(per) == 6000 and all(int(n) == 3 for _, n in per), [r for r in per if r[1] != "3"][:5]
    assert count(stack, "SELECT COUNT(*) FROM contracts WHERE id BETWEEN %s AND %s"
                        " AND next_period_on = '2026-05-01' AND next_period_no = 4", first, last) == 6000
    assert_ledger_holds(stack)


def test_parallel_runs_charge_once_and_do_not_deadlock(stack, vault):
    """The timer's run in workers over sites, and two runs started at once
    on the same site: every period charged once, every run succeeds."""
    other = Vault(stack, deposit=0).site
    spans = [bulk_contracts(stack.sql, s, 3000, "2019-12-10", "2020-01-01") for s in (vault.site, other)]
    # Only these contracts have a period due this early: the run over
    # every site touches nothing of the other tests'.
    code, out, err = ctl(stack, "billing", "run", "--jobs", "2", "--as-of", "2020-01-01 06:00:00")
    assert "6000 charged (6000 periods)" in out, (out, err)
    assert count(stack, "SELECT COUNT(*) FROM billing_runs WHERE as_of = '2020-01-01 06:00:00'") == 2   # a row a worker
    for first, last in spans:
        assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE kind = 'charge' AND contract_id BETWEEN %s AND %s",
                     first, last) == 3000
    argv = [os.path.join(stack.build, "bin", "strongroomctl"), "-c", os.path.join(stack.var, "strongroom.hdf"),
            "billing", "run", "--as-of", "2020-02-01 06:00:00", "--quiet", "--site"]
    runs = [subprocess.Popen(argv + [str(s)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for s in (vault.site, vault.site, other, other)]
    results = [p.communicate() + (p.returncode,) for p in runs]
    assert all(rc == 0 for _, _, rc in results), results
    for first, last in spans:
        assert count(stack, "SELECT COUNT(*) FROM ledger_journals WHERE kind = 'charge' AND contract_id BETWEEN %s AND %s",
                     first, last) == 6000
    code, _, err = ctl(stack, "billing", "run", "--jobs", "0", check=False)
    assert code == 2 and "usage" in err
    assert_ledger_holds(stack)
