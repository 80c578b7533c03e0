"""The billing run's benchmark (make bench): a run over 1,000,000 active
monthly contracts whose next period starts on the 1st, spread over
SITES vault sites (an operator with a million lockers runs a chain), then
the rerun with nothing due.  The run is the timer's: every site, as many
workers as cores.  Called by tools/bench on its private stack; prints
nothing itself and returns the figures."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from billing_rig import bulk_contracts, sql_for  # noqa: E402

AS_OF = "2026-12-01 00:30:00"
SITES = 8


def billing_bench(build, var, sock, user, contracts=1_000_000):
    """Returns {"contracts", "setup_s", "run_s", "charged", "rerun_s", "recharged", "summary"}."""
    sql = sql_for(sock, user)
    t0 = time.monotonic()
    sites = []
    for k in range(SITES):
        name = "Bench billing " + os.urandom(3).hex()
        sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'UTC', 'EUR', 'en', 1)",
            name)
        sites.append(int(sql("SELECT id FROM sites WHERE name = %s", name)[0][0]))
        share = contracts // SITES + (1 if k < contracts % SITES else 0)
        bulk_contracts(sql, sites[-1], share, "2026-11-15", "2026-12-01")
    setup = time.monotonic() - t0
    site = ",".join(map(str, sites))
    argv = [os.path.join(build, "bin", "strongroomctl"), "-c", os.path.join(var, "strongroom.hdf"),
            "billing", "run", "--as-of", AS_OF, "--quiet"]
    # December falls due: one period for every contract.
    t0 = time.monotonic()
    first = subprocess.run(argv, capture_output=True, text=True)
    run_s = time.monotonic() - t0
    charged = int(sql(f"SELECT COUNT(*) FROM ledger_journals WHERE site_id IN ({site}) AND kind = 'charge'")[0][0])
    t0 = time.monotonic()
    again = subprocess.run(argv, capture_output=True, text=True)
    rerun_s = time.monotonic() - t0
    after = int(sql(f"SELECT COUNT(*) FROM ledger_journals WHERE site_id IN ({site}) AND kind = 'charge'")[0][0])
    return {"contracts": contracts, "sites": SITES, "workers": os.cpu_count(), "setup_s": setup, "run_s": run_s, "charged": charged, "rerun_s": rerun_s,
            "recharged": after - charged, "summary": (first.stdout + first.stderr).strip().splitlines()[:1],
            "ok": first.returncode == 0 and again.returncode == 0, "errors": (first.stderr + again.stderr)[-500:]}


if __name__ == "__main__":
    # python3 tests/load/billing_bench.py BUILD VAR [CONTRACTS]: against a running stack.
    build, var = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    print(billing_bench(build, var, os.path.join(var, "db", "mysqld.sock"), os.environ.get("USER") or "root", n))
