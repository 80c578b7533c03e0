"""Contracts in bulk for the billing run's volume tests and benchmark:
customers, cells and contracts written straight to the tables in the state
contract_create leaves them in (period 0 aside), a few set-based INSERTs
whatever the count."""
import os

from helpers import run_sql

BANK_CELLS = 50000          # cells.number is a SMALLINT


def bulk_contracts(sql, site, n, starts_on, next_on, price=3000):
    """n monthly contracts of site starting on starts_on whose next period
    starts on next_on; returns (first id, last id) of the contracts."""
    tag = os.urandom(4).hex()
    plan = sql("SELECT id FROM plans WHERE site_id = %s AND size_class = 'S' AND period = 'monthly'", site)
    if not plan:
        sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES (%s, 'S', 'monthly', %s, 0)",
            site, price)
        plan = sql("SELECT id FROM plans WHERE site_id = %s AND size_class = 'S' AND period = 'monthly'", site)
    plan = int(plan[0][0])
    first = None
    for b in range(0, n, BANK_CELLS):
        size = min(BANK_CELLS, n - b)
        name = f"Bulk {tag} {b // BANK_CELLS}"
        sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, %s, 10)", site, name)
        bank = int(sql("SELECT id FROM banks WHERE site_id = %s AND name = %s", site, name)[0][0])
        sql(f"INSERT INTO cells (site_id, bank_id, number, label, size_class, width_mm, height_mm, depth_mm, status)"
            f" SELECT %s, %s, seq, CONCAT(%s, seq), 'S', 300, 100, 400, 'occupied' FROM seq_1_to_{size}",
            site, bank, f"{tag}-{b // BANK_CELLS}-")
        sql(f"INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry)"
            f" SELECT %s, CONCAT('Bulk customer ', seq), '1980-01-01', 'passport', CONCAT(%s, seq), '2035-01-01'"
            f" FROM seq_1_to_{size}", site, f"{tag}{b // BANK_CELLS}X")
        # Their accounts, as the first period's charge at contract_create
        # would have opened them (balance 0: nothing owed or held).
        sql("INSERT INTO ledger_accounts (site_id, code, kind, customer_id, currency)"
            " SELECT cu.site_id, CONCAT('customer:', cu.id), 'customer', cu.id, s.currency FROM customers cu"
            " JOIN sites s ON s.id = cu.site_id WHERE cu.site_id = %s AND cu.doc_number LIKE %s",
            site, f"{tag}{b // BANK_CELLS}X%")
        # The k-th new customer takes the k-th new cell.
        sql("INSERT INTO contracts (site_id, customer_id, cell_id, plan_id, period, price, currency, starts_on,"
            " next_period_on) SELECT %s, cu.id, ce.id, %s, 'monthly', %s, s.currency, %s, %s"
            " FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS k FROM customers WHERE site_id = %s"
            "       AND doc_number LIKE %s) cu"
            " JOIN (SELECT id, site_id, ROW_NUMBER() OVER (ORDER BY id) AS k FROM cells WHERE bank_id = %s) ce"
            "   ON ce.k = cu.k JOIN sites s ON s.id = ce.site_id ORDER BY ce.id",
            site, plan, price, starts_on, next_on, site, f"{tag}{b // BANK_CELLS}X%", bank)
        ids = sql("SELECT MIN(k.id), MAX(k.id) FROM contracts k JOIN cells ce ON ce.id = k.cell_id"
                  " WHERE ce.bank_id = %s", bank)[0]
        first = first or int(ids[0])
        last = int(ids[1])
    return first, last


def sql_for(sock, user):
    return lambda query, *params: run_sql(sock, user, query, *params)
