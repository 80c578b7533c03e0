/* Vault plans and contracts: pricing per site, assigning a cell that
 * fits, the contract's life (active, suspended for arrears, closing,
 * closed) and its final settlement through the ledger. */
#ifndef SR_CONTRACT_H
#define SR_CONTRACT_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"
#include "inventory.h"

typedef struct plan {
    int64_t site_id;
    const char *size_class;     /* S M L XL */
    const char *period;         /* monthly, yearly */
    int64_t price, deposit;     /* minor units of the site's currency */
    int active;
} plan_t;

/* Creates or re-prices the plan of (site, size, period).  Running
 * contracts keep their snapshot. */
int plan_save(db_t *db, const audit_actor_t *who, const plan_t *p, int64_t *id, inv_error_t *err);

/* Free cells of a site that fit: size class at least min_size (S < M < L <
 * XL), every feature asked for (comma list); smallest first, then bank
 * and number.  Fills up to max ids. */
int contract_propose_cells(db_t *db, arena_t *a, int64_t site_id, const char *min_size,
                           const char *features, int64_t *ids, int max, int *n);

typedef struct contract_new {
    int64_t site_id, customer_id, cell_id;   /* cell_id 0 = take the first proposal */
    const char *min_size, *features;         /* when cell_id is 0 */
    const char *period;                      /* monthly, yearly: picks the plan of the cell's size */
    const char *starts_on;                   /* YYYY-MM-DD local; NULL = today */
    const char *idem_key;                    /* for the deposit posting; required */
} contract_new_t;

/* One transaction: locks the cell (FOR UPDATE; SKIP LOCKED when choosing),
 * checks it is free and fits, snapshots the plan, marks the cell occupied,
 * posts the deposit (ledger "deposit") when the plan has one, writes the
 * contract event and the audit row.  Two clerks never get the same cell:
 * the loser gets inv_error_t{"cell_id","cell_taken"}. */
int contract_create(db_t *db, const audit_actor_t *who, const contract_new_t *c, int64_t *id,
                    inv_error_t *err);

/* Suspend (reason required) or resume an active contract. */
int contract_set_suspended(db_t *db, const audit_actor_t *who, int64_t id, int suspended,
                           const char *reason, inv_error_t *err);

typedef struct contract_settlement {
    int64_t rent_credit;        /* rent of the days after the end given back (site policy daily) */
    int64_t deposit_offset;     /* deposit used against what is due */
    int64_t deposit_refund;     /* deposit handed back */
    int64_t balance_after;      /* customer balance after settlement */
} contract_settlement_t;

/* Works out the settlement without posting anything (for the confirm screen). */
int contract_quote_close(db_t *db, arena_t *a, int64_t id, const char *ends_on, contract_settlement_t *s);
/* Closes: posts the settlement (idempotent by idem_key), releases the cell,
 * sets the state closed with the end date; all in one transaction. */
int contract_close(db_t *db, const audit_actor_t *who, int64_t id, const char *ends_on,
                   const char *refund_method, const char *idem_key, contract_settlement_t *s,
                   inv_error_t *err);

int64_t contract_site(db_t *db, arena_t *a, int64_t contract_id);   /* 0 when absent */

/* Pure: the rent charged in advance when a contract starts on starts_on
 * (YYYY-MM-DD): monthly = price prorated by the days from starts_on to the
 * end of that month, inclusive (rounded half up; the full price when
 * starting on the 1st); yearly = the full price.  Returns 0, or -1 on a
 * bad period, date or price.  end_out (11 bytes, may be NULL) receives the
 * last day the charge covers. */
int contract_prorate(int64_t price, const char *period, const char *starts_on, int64_t *amount, char *end_out);

/* contract_create's error when the idempotency key was already used: the
 * contract made the first time is in *id. */
#define CONTRACT_ALREADY_DONE "already_done"

#endif
