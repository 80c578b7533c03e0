/* The double-entry ledger (DESIGN.md §4).  The only code path that
 * writes ledger_journals and ledger_entries.
 *
 * Signs: an entry's amount is a debit when > 0 and a credit when < 0; the
 * entries of a journal sum to zero.  A customer's account balance > 0 is
 * money the customer owes (amount due); < 0 is credit the customer holds.
 *
 *   payment      debit cash|card|bank_transfer,  credit customer
 *   charge       debit customer,                 credit rent_revenue
 *   deposit      debit customer,                 credit deposits_held
 *   deposit_refund / deposit_offset
 *                debit deposits_held,            credit customer
 *   refund       debit customer,                 credit cash|card|bank_transfer
 *   credit       debit write_offs,               credit customer   (goodwill, correction)
 *   debit        debit customer,                 credit write_offs (correction)
 *   write_off    debit write_offs,               credit customer   (bad debt)
 *   reversal     the entries of another journal with signs flipped
 *
 * Every posting carries an idempotency key, unique across the ledger: a
 * second posting with the same key posts nothing and answers with the
 * journal already posted (LEDGER_REPLAYED), so a double-submitted form or
 * a retried request posts once.  Postings run inside the caller's
 * transaction when one is open (so closing a contract and its settlement
 * commit together); otherwise each opens, retries on deadlock and commits
 * its own.  The work is done in the server by the procedure
 * ledger_post_batch (sql/migrations/0005): the accounts a posting touches
 * are locked first (SELECT ... FOR UPDATE, so two clerks posting to one
 * customer serialise), then the rows every posting of a site shares, as
 * late as possible: the document counter, the journals and entries, the
 * cached balances and version (moved in the same transaction as the
 * entries) and last the audit chain head, held only for the audit rows
 * and the commit.
 * Each posting writes an audit row. */
#ifndef SR_LEDGER_H
#define SR_LEDGER_H
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "audit.h"

enum ledger_status {
    LEDGER_OK = 0,
    LEDGER_REPLAYED = 1,     /* the key was posted before; *journal_id is that journal */
    LEDGER_INVALID = 2,      /* bad input; err says which field and why */
    LEDGER_NOT_FOUND = 3,    /* customer, contract or journal unknown (or of another site) */
    LEDGER_CONFLICT = 4,     /* e.g. the journal is already reversed, or is itself a reversal */
    /* < 0: a db_status (DB_ERR_GONE -> 503, ...) */
};

#define LEDGER_KEY_MAX 128

typedef struct ledger_err {
    const char *field;       /* form field at fault ("amount", "method", ...) */
    const char *code;        /* stable code, key of errors.field.<code> */
} ledger_err_t;

typedef struct ledger_line {
    const char *account;     /* "customer" (the journal's customer) or a system code: cash, card,
                                bank_transfer, rent_revenue, deposits_held, write_offs */
    int64_t amount;          /* signed, non-zero */
} ledger_line_t;

typedef struct ledger_journal {
    int64_t site_id;
    const char *idem_key;    /* required, 1..LEDGER_KEY_MAX bytes */
    const char *kind;        /* see the table above */
    int64_t customer_id;     /* 0 = none (system-only journals) */
    int64_t contract_id;     /* 0 = none */
    int64_t amount;          /* headline amount, >= 0 */
    const char *method;      /* cash, card, bank_transfer, or NULL */
    const char *reference, *memo;
    const char *value_date;  /* YYYY-MM-DD; NULL = today in the site's time zone */
    const char *doc_series;  /* "receipt", "invoice" or NULL */
    int64_t reverses_id;     /* reversal only */
    const ledger_line_t *lines;
    int nlines;
} ledger_journal_t;

typedef struct ledger_posted {
    int64_t journal_id;
    int64_t doc_number;      /* 0 when the journal has no document */
    int64_t customer_balance;/* the customer's balance after posting (0 without a customer) */
} ledger_posted_t;

/* The general posting.  Checks: lines sum to zero, every amount non-zero,
 * accounts exist or are created (system accounts and the customer's
 * account are created on first use in the site's currency), the customer
 * and contract belong to the site. */
int ledger_post(db_t *db, const audit_actor_t *who, const ledger_journal_t *j,
                ledger_posted_t *out, ledger_err_t *err);

#define LEDGER_BATCH_MAX 1000

/* Posts n journals of one site as one unit, in one transaction (the
 * caller's, or its own retried on deadlock): the billing run's path, and
 * ledger_post's with n = 1.  A journal whose key was posted before is
 * answered, not posted again.  LEDGER_OK when every journal is posted or
 * replayed: statuses[i] says which (LEDGER_OK or LEDGER_REPLAYED) and
 * outs[i] is its journal.  When any journal is refused (invalid, unknown
 * customer or contract, key of another site) nothing at all is posted:
 * the first refusal is returned and err names its field; statuses[i]
 * holds each member's refusal, or LEDGER_OK / LEDGER_REPLAYED for the
 * members not at fault.  Or a db_status. */
int ledger_post_batch(db_t *db, const audit_actor_t *who, const ledger_journal_t *js, int n,
                      ledger_posted_t *outs, int *statuses, ledger_err_t *err);

/* How a batch enters the audit chain: a row per journal (every posting by
 * a person or a device), or one row naming every journal the batch posted
 * (the billing run: a row per charge put each of a million charges
 * through the chain's trigger, a fifth of the run's time). */
typedef enum { LEDGER_AUDIT_EACH, LEDGER_AUDIT_BATCH } ledger_audit_t;
/* ledger_post_batch with the audit chosen. */
int ledger_post_batch_audited(db_t *db, const audit_actor_t *who, ledger_audit_t audit, const ledger_journal_t *js,
                              int n, ledger_posted_t *outs, int *statuses, ledger_err_t *err);

/* Pure: the checks ledger_post_batch makes before the database: n in
 * 1..LEDGER_BATCH_MAX, ledger_check of each member, one site for all.
 * LEDGER_OK, or LEDGER_INVALID with err filled and statuses[i] marking
 * the member at fault (the others LEDGER_OK). */
int ledger_check_batch(const ledger_journal_t *js, int n, int *statuses, ledger_err_t *err);

/* Pure: the checks ledger_post makes before touching the database (key,
 * kind, lines non-zero summing to zero without overflow, each account
 * once, method, memo where a reason is needed, value_date a real date).
 * LEDGER_OK or LEDGER_INVALID with err filled. */
int ledger_check(const ledger_journal_t *j, ledger_err_t *err);

/* The common postings, each a ledger_post with the lines of the table. */
int ledger_payment(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                   int64_t amount, const char *method, const char *reference, const char *received_on,
                   const char *idem_key, ledger_posted_t *out, ledger_err_t *err);
/* Rent or another charge: kind "charge" (invoice) or "deposit" (no document). */
int ledger_charge(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                  int64_t contract_id, const char *kind, int64_t amount, const char *memo,
                  const char *value_date, const char *idem_key, ledger_posted_t *out, ledger_err_t *err);
/* Adjustment by a privileged user: kind credit, debit or write_off; memo
 * (the reason) required. */
int ledger_adjust(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                  const char *kind, int64_t amount, const char *memo, const char *idem_key,
                  ledger_posted_t *out, ledger_err_t *err);
/* Reverses a whole journal (reason required); a journal is reversed once. */
int ledger_reverse(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t journal_id,
                   const char *reason, const char *idem_key, ledger_posted_t *out, ledger_err_t *err);

/* The customer's balance (0 when no account yet). */
int ledger_balance(db_t *db, arena_t *a, int64_t customer_id, int64_t *balance);
/* Deposit held for a contract: deposits minus refunds and offsets. */
int ledger_deposit_held(db_t *db, arena_t *a, int64_t contract_id, int64_t *held);

typedef struct ledger_stmt_line {
    int64_t journal_id;
    const char *value_date, *posted_at, *kind, *method, *reference, *memo, *document;  /* "R-000012" or "" */
    int64_t amount;          /* the entry on the customer's account: + charge, - payment */
    int64_t running;         /* balance after this line */
    int64_t reverses_id, reversed_by;   /* 0 = none */
} ledger_stmt_line_t;

typedef struct ledger_statement {
    const char *currency;
    int64_t opening, closing, debits, credits;
    ledger_stmt_line_t *lines;
    int nlines;
} ledger_statement_t;

/* Statement of a customer's account between two local dates, inclusive
 * (either may be NULL: from the beginning / up to today). */
int ledger_statement(db_t *db, arena_t *a, int64_t customer_id, const char *from, const char *to,
                     ledger_statement_t *out);

typedef struct ledger_verify_result {
    int64_t journals, entries, accounts;
    int64_t bad_journals;     /* journals whose entries do not sum to zero (or have < 2) */
    int64_t bad_balances;     /* accounts whose cached balance differs from their entries */
    int64_t duplicate_keys;   /* idempotency keys posted more than once */
    char problem[256];        /* the first problem found, for the operator */
} ledger_verify_result_t;

/* Proves the invariants; 0 when they hold, 1 when not, < 0 on DB error. */
int ledger_verify(db_t *db, ledger_verify_result_t *res);

/* Document number as printed: "R-000012", "I-000003". */
const char *ledger_doc_label(arena_t *a, const char *series, int64_t number);

#endif
