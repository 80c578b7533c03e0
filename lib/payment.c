/* Payments with their receipts.  The receipt goes in the payment's
 * transaction: a payment is never recorded without its receipt queued,
 * and a receipt never goes out for a payment that rolled back.  A receipt
 * that cannot be rendered or put (a template broken, a refused insert) is
 * logged and the payment stands: money received is not turned away over
 * a message.  Due tracking runs after the commit, in its own transaction,
 * for the same reason; the next billing run repeats it anyway. */
#include "payment.h"
#include "dues.h"
#include "arena.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

#define TX_ATTEMPTS 3

struct pay_ctx {
    notice_t *notices;
    const audit_actor_t *who;
    int64_t site_id, customer_id, amount;
    const char *method, *reference, *received_on, *idem_key;
    ledger_posted_t *out;
    ledger_err_t *err;
    int status;                    /* what the ledger answered */
};

static int receipt(struct pay_ctx *x, db_t *db)
{
    char amount[24], balance[24], key[40];
    snprintf(amount, sizeof amount, "%lld", (long long)x->amount);
    snprintf(balance, sizeof balance, "%lld", (long long)x->out->customer_balance);
    snprintf(key, sizeof key, "receipt:%lld", (long long)x->out->journal_id);
    arena_t *a = arena_new(256);
    if (!a) return DB_ERR;
    const char *doc = x->out->doc_number ? ledger_doc_label(a, "receipt", x->out->doc_number) : "";
    notice_var_t vars[] = { { "amount_minor", amount }, { "method", x->method }, { "document", doc ? doc : "" },
                            { "balance_minor", balance } };
    int rc = notice_customer(x->notices, db, x->customer_id, "receipt", key, vars, 4);
    arena_free(a);
    if (rc == DB_ERR_GONE || rc == DB_ERR_RETRY) return rc;     /* the transaction is lost: all again */
    if (rc < 0) log_error("payment: no receipt for journal %lld (customer %lld): %d", (long long)x->out->journal_id,
                          (long long)x->customer_id, rc);
    return DB_OK;
}

static int pay_tx(db_t *db, void *p)
{
    struct pay_ctx *x = p;
    *x->out = (ledger_posted_t){ 0 };
    *x->err = (ledger_err_t){ 0 };
    x->status = ledger_payment(db, x->who, x->site_id, x->customer_id, x->amount, x->method, x->reference,
                               x->received_on, x->idem_key, x->out, x->err);
    if (x->status < 0) return x->status;
    if (x->status == LEDGER_REPLAYED) return DB_OK;   /* its receipt went with it */
    if (x->status != LEDGER_OK) return DB_ERR;        /* refused: nothing was posted */
    return x->notices ? receipt(x, db) : DB_OK;
}

int payment_record(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                   int64_t amount, const char *method, const char *reference, const char *received_on,
                   const char *idem_key, ledger_posted_t *out, ledger_err_t *err)
{
    struct pay_ctx x = { .notices = notices, .who = who, .site_id = site_id, .customer_id = customer_id,
                         .amount = amount, .method = method, .reference = reference, .received_on = received_on,
                         .idem_key = idem_key, .out = out, .err = err };
    int rc = db_run_tx(db, TX_ATTEMPTS, pay_tx, &x);
    if (x.status > 0 && x.status != LEDGER_REPLAYED) return x.status;
    if (rc != DB_OK) return rc;
    if (!db_in_tx(db)) {
        dues_changes_t ch = { 0 };
        int drc = dues_refresh_customer(db, notices, who, customer_id, NULL, &ch);
        if (drc != DB_OK)
            log_error("payment: due tracking of customer %lld not brought up to date (%d); the next billing run will",
                      (long long)customer_id, drc);
    }
    return x.status;
}
