/* A customer's payment as the back office and the API take it: the
 * ledger posting (lib/ledger) and the customer's receipt notice
 * (lib/notice) in one transaction, then due tracking (lib/dues) brought
 * up to date, so a payment that covers old rent resumes the contracts
 * arrears suspended at once. */
#ifndef SR_PAYMENT_H
#define SR_PAYMENT_H
#include <stdint.h>
#include "db.h"
#include "audit.h"
#include "ledger.h"
#include "notice.h"

/* ledger_payment's arguments and answers (a ledger_status or a
 * db_status), with notices (may be NULL: no receipt).  The receipt is
 * keyed by the journal, so a replayed key puts no second one. */
int payment_record(db_t *db, notice_t *notices, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                   int64_t amount, const char *method, const char *reference, const char *received_on,
                   const char *idem_key, ledger_posted_t *out, ledger_err_t *err);

#endif
