/* The double-entry ledger; ledger.h is the specification.
 *
 * A posting, or a batch of them, is: input checks in C (before any DB
 * work), one CALL of the procedure ledger_post_batch (sql/migrations/0005, 0010),
 * which checks owners and keys, locks and creates accounts, numbers the
 * documents, writes journals, entries and balances and leaves the audit
 * chain head locked, then one INSERT of the audit rows (their BLAKE2b
 * hashes are computed here) and the commit.  Two round trips inside the
 * transaction whatever the batch size: on two cores the per-statement
 * cost, not the rows, is what limits postings per second. */
#include "ledger.h"
#include "log.h"
#include "validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#define MAX_LINES 16
#define POST_ATTEMPTS 5
#define REFERENCE_MAX 120      /* ledger_journals.reference, characters */
#define MEMO_MAX 500           /* ledger_journals.memo */

static const char *const kinds[] = {
    "payment", "charge", "deposit", "credit", "debit", "reversal", "refund", "deposit_refund",
    "deposit_offset", "write_off", NULL,
};
static const char *const system_accounts[] = {
    "cash", "card", "bank_transfer", "rent_revenue", "deposits_held", "write_offs", NULL,
};
static const char *const methods[] = { "cash", "card", "bank_transfer", NULL };

static int in_set(const char *const *set, const char *v)
{
    for (int i = 0; v && set[i]; i++) if (!strcmp(set[i], v)) return 1;
    return 0;
}

static int invalid(ledger_err_t *err, const char *field, const char *code)
{
    if (err) { err->field = field; err->code = code; }
    return LEDGER_INVALID;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static int blank(const char *s)
{
    for (; s && *s; s++) if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 0;
    return 1;
}

/* ---------- pure checks ---------- */

int ledger_check(const ledger_journal_t *j, ledger_err_t *err)
{
    size_t klen = j->idem_key ? strlen(j->idem_key) : 0;
    if (klen == 0 || klen > LEDGER_KEY_MAX) return invalid(err, "idem_key", "key_invalid");
    if (!in_set(kinds, j->kind)) return invalid(err, "kind", "kind_invalid");
    if (j->site_id <= 0) return invalid(err, "site_id", "site_invalid");
    if (j->customer_id < 0 || j->contract_id < 0) return invalid(err, "customer_id", "customer_invalid");
    if (j->amount < 0) return invalid(err, "amount", "amount_invalid");
    int needs_method = !strcmp(j->kind, "payment") || !strcmp(j->kind, "refund");
    if (needs_method ? !in_set(methods, j->method) : (j->method && !in_set(methods, j->method)))
        return invalid(err, "method", "method_invalid");
    int needs_memo = !strcmp(j->kind, "credit") || !strcmp(j->kind, "debit") || !strcmp(j->kind, "write_off") ||
                     !strcmp(j->kind, "reversal");
    if (needs_memo && blank(j->memo)) return invalid(err, "memo", "reason_required");
    if (utf8_chars(j->memo) > MEMO_MAX) return invalid(err, "memo", "too_long");
    if (utf8_chars(j->reference) > REFERENCE_MAX) return invalid(err, "reference", "too_long");
    if (j->value_date && !validate_date(j->value_date)) return invalid(err, "value_date", "date_invalid");
    if (j->doc_series && strcmp(j->doc_series, "receipt") != 0 && strcmp(j->doc_series, "invoice") != 0)
        return invalid(err, "doc_series", "series_invalid");
    if (!strcmp(j->kind, "reversal") ? j->reverses_id <= 0 : j->reverses_id != 0)
        return invalid(err, "reverses_id", "reversal_invalid");
    if (!j->lines || j->nlines < 2 || j->nlines > MAX_LINES) return invalid(err, "lines", "lines_invalid");
    int64_t sum = 0;
    for (int i = 0; i < j->nlines; i++) {
        const ledger_line_t *l = &j->lines[i];
        if (!l->account) return invalid(err, "lines", "account_invalid");
        if (!strcmp(l->account, "customer")) {
            if (j->customer_id <= 0) return invalid(err, "customer_id", "customer_invalid");
        } else if (!in_set(system_accounts, l->account)) {
            return invalid(err, "lines", "account_invalid");
        }
        /* One entry per account and journal keeps statements one line per journal. */
        for (int k = 0; k < i; k++)
            if (!strcmp(j->lines[k].account, l->account)) return invalid(err, "lines", "lines_invalid");
        if (l->amount == 0) return invalid(err, "amount", "amount_invalid");
        if (__builtin_add_overflow(sum, l->amount, &sum)) return invalid(err, "amount", "amount_invalid");
    }
    if (sum != 0) return invalid(err, "lines", "unbalanced");
    return LEDGER_OK;
}

const char *ledger_doc_label(arena_t *a, const char *series, int64_t number)
{
    if (!series || number <= 0) return "";
    const char *prefix = !strcmp(series, "receipt") ? "R" : !strcmp(series, "invoice") ? "I" : NULL;
    if (!prefix) return "";
    const char *s = arena_printf(a, "%s-%06lld", prefix, (long long)number);
    return s ? s : "";
}

/* ---------- posting ---------- */

/* Answer for a key posted before: that journal and its customer's balance now. */
static int replayed(db_t *db, arena_t *a, int64_t journal_id, int64_t doc_number, int64_t customer,
                    ledger_posted_t *out)
{
    out->journal_id = journal_id;
    out->doc_number = doc_number;
    out->customer_balance = 0;
    if (customer) {
        int rc = ledger_balance(db, a, customer, &out->customer_balance);
        if (rc) return rc;
    }
    return LEDGER_REPLAYED;
}

/* Looks a key up; LEDGER_OK when unknown.  share=1 reads the latest
 * committed row (after a duplicate-key error inside a transaction whose
 * snapshot predates the twin). */
static int lookup_key(db_t *db, arena_t *a, const char *key, int64_t site_id, int share, ledger_posted_t *out,
                      ledger_err_t *err)
{
    db_res_t *r;
    int rc = db_query(db, a, &r, share
        ? "SELECT id, COALESCE(doc_number, 0), COALESCE(customer_id, 0), site_id FROM ledger_journals"
          " WHERE idem_key = ? LOCK IN SHARE MODE"
        : "SELECT id, COALESCE(doc_number, 0), COALESCE(customer_id, 0), site_id FROM ledger_journals"
          " WHERE idem_key = ?", "s", key);
    if (rc) return rc;
    if (r->nrows == 0) return LEDGER_OK;
    /* Keys are unique across sites; another site's key is not ours to answer for. */
    if (db_cell_int(r, 0, 3) != site_id) return err->field = "idem_key", err->code = "key_reused", LEDGER_CONFLICT;
    return replayed(db, a, db_cell_int(r, 0, 0), db_cell_int(r, 0, 1), db_cell_int(r, 0, 2), out);
}

/* The batch as the procedure reads it (sql/migrations/0005, 0010): one object
 * per journal; optional members left out rather than null. */
static char *batch_json(const ledger_journal_t *js, int n)
{
    json_t *batch = json_array();
    for (int i = 0; batch && i < n; i++) {
        const ledger_journal_t *j = &js[i];
        json_t *lines = json_array();
        for (int k = 0; lines && k < j->nlines; k++)
            if (json_array_append_new(lines, json_pack("[s, I]", j->lines[k].account,
                                                       (json_int_t)j->lines[k].amount)) != 0)
                json_decref(lines), lines = NULL;
        json_t *o = lines ? json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:I, s:o}",
                                      "key", j->idem_key, "kind", j->kind, "customer", (json_int_t)j->customer_id,
                                      "contract", (json_int_t)j->contract_id, "amount", (json_int_t)j->amount,
                                      "reference", j->reference ? j->reference : "", "memo", j->memo ? j->memo : "",
                                      "reverses", (json_int_t)j->reverses_id, "lines", lines)
                          : NULL;
        if (o && j->method) json_object_set_new(o, "method", json_string(j->method));
        if (o && j->value_date) json_object_set_new(o, "value_date", json_string(j->value_date));
        if (o && j->doc_series) json_object_set_new(o, "series", json_string(j->doc_series));
        if (!o || json_array_append_new(batch, o) != 0) json_decref(batch), batch = NULL;
    }
    char *text = batch ? json_dumps(batch, JSON_COMPACT) : NULL;
    json_decref(batch);
    return text;
}

/* "not_found:customer_id" -> LEDGER_NOT_FOUND with err naming the field
 * (a static string: err outlives the result set). */
static int refusal(const char *status, ledger_err_t *err)
{
    static const char *const fields[] = { "site_id", "customer_id", "contract_id", "idem_key", NULL };
    const char *colon = strchr(status, ':');
    const char *field = "lines";
    for (int i = 0; colon && fields[i]; i++) if (!strcmp(fields[i], colon + 1)) field = fields[i];
    if (!strncmp(status, "conflict:", 9)) return invalid(err, field, "key_reused"), LEDGER_CONFLICT;
    return invalid(err, field, "not_found"), LEDGER_NOT_FOUND;
}

static int dup_on(db_t *db, const char *index)
{
    return strstr(db_error(db), index) != NULL;
}

/* One audit row per posted journal, with what it posted. */
static audit_entry_t *audit_rows(arena_t *a, const ledger_journal_t *js, int n, const int *statuses,
                                 const ledger_posted_t *outs, const char *currency, int posted)
{
    audit_entry_t *rows = arena_alloc(a, sizeof *rows * (size_t)posted);
    int k = 0;
    for (int i = 0; rows && i < n; i++) {
        if (statuses[i] != LEDGER_OK) continue;
        const ledger_journal_t *j = &js[i];
        rows[k] = (audit_entry_t){
            .action = arena_printf(a, "ledger.%s", j->kind), .object_type = "journal",
            .object_id = outs[i].journal_id, .site_id = j->site_id,
            .detail = arena_printf(a, "{\"kind\":\"%s\",\"amount\":%lld,\"currency\":\"%s\",\"customer_id\":%lld,"
                                      "\"contract_id\":%lld,\"doc_number\":%lld,\"reverses_id\":%lld}",
                                   j->kind, (long long)j->amount, currency, (long long)j->customer_id,
                                   (long long)j->contract_id, (long long)outs[i].doc_number, (long long)j->reverses_id),
        };
        if (!rows[k].action || !rows[k].detail) return NULL;
        k++;
    }
    return rows;
}

/* One audit row for the whole batch (LEDGER_AUDIT_BATCH): its count, kind
 * and total, and every journal it posted by id, so each one is still named
 * in the chain.  The journals themselves carry the rest and are never
 * updated.  Object: the first journal posted. */
static audit_entry_t *batch_audit_row(arena_t *a, const ledger_journal_t *js, int n, const int *statuses,
                                      const ledger_posted_t *outs, const char *currency)
{
    json_t *ids = json_array();
    int64_t total = 0, first = 0;
    const char *kind = NULL;
    for (int i = 0; ids && i < n; i++) {
        if (statuses[i] != LEDGER_OK) continue;
        if (!first) first = outs[i].journal_id;
        kind = !kind || !strcmp(kind, js[i].kind) ? js[i].kind : "mixed";
        if (__builtin_add_overflow(total, js[i].amount, &total) ||
            json_array_append_new(ids, json_integer((json_int_t)outs[i].journal_id)) != 0)
            json_decref(ids), ids = NULL;
    }
    json_t *detail = ids ? json_pack("{s:s, s:I, s:I, s:s, s:o}", "kind", kind ? kind : "", "count",
                                     (json_int_t)json_array_size(ids), "amount", (json_int_t)total,
                                     "currency", currency, "journals", ids)
                         : NULL;
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    audit_entry_t *row = text ? arena_alloc(a, sizeof *row) : NULL;
    if (row) *row = (audit_entry_t){ .action = "ledger.batch", .object_type = "journal", .object_id = first,
                                     .site_id = js[0].site_id, .detail = arena_strdup(a, text) };
    free(text);
    return row && row->detail ? row : NULL;
}

/* Everything between begin and commit: the procedure ledger_post_batch
 * posts the journals in the server in one round trip and leaves the audit
 * chain head locked; the audit rows, whose BLAKE2b hashes are computed
 * here, are the second and last.  Returns a ledger_status or a db_status. */
static int batch_body(db_t *db, arena_t *a, const audit_actor_t *who, ledger_audit_t audit,
                      const ledger_journal_t *js, int n, ledger_posted_t *outs, int *statuses, ledger_err_t *err)
{
    char *batch = batch_json(js, n);
    if (!batch) return DB_ERR;
    db_res_t *r;
    int rc = db_query(db, a, &r, "CALL ledger_post_batch(?, ?, ?)", "iss", js[0].site_id,
                      who && who->name ? who->name : "", batch);
    free(batch);
    if (rc == DB_ERR_DUP && dup_on(db, "uq_ledger_journals_reverses")) {
        for (int i = 0; i < n; i++) statuses[i] = LEDGER_CONFLICT;
        return invalid(err, "journal_id", "already_reversed"), LEDGER_CONFLICT;
    }
    if (rc) return rc;      /* DB_ERR_DUP on the key: a concurrent twin committed first */
    if (r->nrows == 1 && n > 1 && db_cell(r, 0, 1) && !strcmp(db_cell(r, 0, 1), "not_found:site_id")) {
        for (int i = 0; i < n; i++) statuses[i] = LEDGER_NOT_FOUND;
        return invalid(err, "site_id", "not_found"), LEDGER_NOT_FOUND;
    }
    if (r->nrows != n) return DB_ERR;

    int refused = LEDGER_OK, posted = 0;
    for (int i = 0; i < n; i++) {
        const char *status = db_cell(r, i, 1);
        if (!status) return DB_ERR;
        outs[i] = (ledger_posted_t){ db_cell_int(r, i, 2), db_cell_int(r, i, 3), db_cell_int(r, i, 4) };
        if (!strcmp(status, "new")) statuses[i] = LEDGER_OK, posted++;
        else if (!strcmp(status, "replayed")) statuses[i] = LEDGER_REPLAYED;
        else if ((statuses[i] = refusal(status, err)) && refused == LEDGER_OK) refused = statuses[i];
    }
    if (refused) {
        for (int i = 0; i < n; i++) outs[i] = (ledger_posted_t){ 0 };
        return refused;
    }
    if (!posted) return LEDGER_OK;
    if (r->ncols < 9 || !db_cell(r, 0, 7)) return DB_ERR;
    if (!db_cell_int(r, 0, 8))
        log_warn("site %lld: time zone unknown to the database; dated postings in UTC", (long long)js[0].site_id);

    audit_entry_t *rows = audit == LEDGER_AUDIT_BATCH ? batch_audit_row(a, js, n, statuses, outs, db_cell(r, 0, 5))
                                                      : audit_rows(a, js, n, statuses, outs, db_cell(r, 0, 5), posted);
    if (!rows) return DB_ERR;
    rc = audit_append(db, db_cell_int(r, 0, 6), db_cell(r, 0, 7), who, rows,
                      audit == LEDGER_AUDIT_BATCH ? 1 : posted);
    return rc ? rc : LEDGER_OK;
}

int ledger_check_batch(const ledger_journal_t *js, int n, int *statuses, ledger_err_t *err)
{
    *err = (ledger_err_t){ 0 };
    if (n < 1 || n > LEDGER_BATCH_MAX) return invalid(err, "lines", "batch_invalid");
    for (int i = 0; i < n; i++) statuses[i] = LEDGER_OK;
    for (int i = 0; i < n; i++) {
        int rc = ledger_check(&js[i], err);
        if (rc == LEDGER_OK && js[i].site_id != js[0].site_id) rc = invalid(err, "site_id", "site_invalid");
        if (rc) return statuses[i] = rc;
    }
    return LEDGER_OK;
}

int ledger_post_batch(db_t *db, const audit_actor_t *who, const ledger_journal_t *js, int n,
                      ledger_posted_t *outs, int *statuses, ledger_err_t *err)
{
    return ledger_post_batch_audited(db, who, LEDGER_AUDIT_EACH, js, n, outs, statuses, err);
}

int ledger_post_batch_audited(db_t *db, const audit_actor_t *who, ledger_audit_t audit, const ledger_journal_t *js,
                              int n, ledger_posted_t *outs, int *statuses, ledger_err_t *err)
{
    ledger_err_t spare;
    if (!err) err = &spare;
    for (int i = 0; i < n && i <= LEDGER_BATCH_MAX; i++) outs[i] = (ledger_posted_t){ 0 };
    int rc = ledger_check_batch(js, n, statuses, err);
    if (rc) return rc;
    arena_t *a = arena_new(8192);
    if (!a) return DB_ERR;

    if (db_in_tx(db)) {
        /* The caller's transaction: nothing here may roll it back. */
        rc = batch_body(db, a, who, audit, js, n, outs, statuses, err);
        if (rc == DB_ERR_DUP) {
            /* Our twin committed.  A lone journal without a document wrote
             * nothing yet and the twin is the answer; otherwise a counter
             * may have moved in the caller's transaction, so the caller
             * must start over (and will then see the twin). */
            rc = DB_ERR_RETRY;
            if (n == 1 && !js[0].doc_series) {
                rc = lookup_key(db, a, js[0].idem_key, js[0].site_id, 1, &outs[0], err);
                if (rc == LEDGER_REPLAYED) statuses[0] = rc, rc = LEDGER_OK;
                else if (rc == LEDGER_OK) rc = DB_ERR;
            }
        }
        arena_free(a);
        return rc;
    }
    for (int attempt = 0; attempt < POST_ATTEMPTS; attempt++) {
        arena_reset(a);
        *err = (ledger_err_t){ 0 };
        if ((rc = db_begin(db)) != DB_OK) break;
        rc = batch_body(db, a, who, audit, js, n, outs, statuses, err);
        if (rc == LEDGER_OK) {
            rc = db_commit(db);
            if (rc == DB_OK) break;
        }
        db_rollback(db);
        /* A twin with the same key committed first, or a deadlock: the
         * next attempt sees the twin as a replay. */
        if (rc != DB_ERR_DUP && rc != DB_ERR_RETRY) break;
    }
    arena_free(a);
    return rc == DB_ERR_DUP ? DB_ERR : rc;
}

int ledger_post(db_t *db, const audit_actor_t *who, const ledger_journal_t *j, ledger_posted_t *out,
                ledger_err_t *err)
{
    int status;
    int rc = ledger_post_batch(db, who, j, 1, out, &status, err);
    return rc == LEDGER_OK ? status : rc;
}

/* ---------- the common postings ---------- */

int ledger_payment(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                   int64_t amount, const char *method, const char *reference, const char *received_on,
                   const char *idem_key, ledger_posted_t *out, ledger_err_t *err)
{
    if (amount <= 0) return invalid(err, "amount", "amount_invalid");
    if (!in_set(methods, method)) return invalid(err, "method", "method_invalid");
    ledger_line_t lines[2] = { { method, amount }, { "customer", -amount } };
    ledger_journal_t j = {
        .site_id = site_id, .idem_key = idem_key, .kind = "payment", .customer_id = customer_id,
        .amount = amount, .method = method, .reference = reference, .value_date = received_on,
        .doc_series = "receipt", .lines = lines, .nlines = 2,
    };
    return ledger_post(db, who, &j, out, err);
}

int ledger_charge(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                  int64_t contract_id, const char *kind, int64_t amount, const char *memo,
                  const char *value_date, const char *idem_key, ledger_posted_t *out, ledger_err_t *err)
{
    if (amount <= 0) return invalid(err, "amount", "amount_invalid");
    int deposit = kind && !strcmp(kind, "deposit");
    if (!deposit && (!kind || strcmp(kind, "charge") != 0)) return invalid(err, "kind", "kind_invalid");
    ledger_line_t lines[2] = { { "customer", amount }, { deposit ? "deposits_held" : "rent_revenue", -amount } };
    ledger_journal_t j = {
        .site_id = site_id, .idem_key = idem_key, .kind = kind, .customer_id = customer_id,
        .contract_id = contract_id, .amount = amount, .memo = memo, .value_date = value_date,
        .doc_series = deposit ? NULL : "invoice", .lines = lines, .nlines = 2,
    };
    return ledger_post(db, who, &j, out, err);
}

int ledger_adjust(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t customer_id,
                  const char *kind, int64_t amount, const char *memo, const char *idem_key,
                  ledger_posted_t *out, ledger_err_t *err)
{
    if (amount <= 0) return invalid(err, "amount", "amount_invalid");
    int is_debit = kind && !strcmp(kind, "debit");
    if (!is_debit && (!kind || (strcmp(kind, "credit") != 0 && strcmp(kind, "write_off") != 0)))
        return invalid(err, "kind", "kind_invalid");
    /* debit: the customer owes more; credit and write_off: less. */
    int64_t to_customer = is_debit ? amount : -amount;
    ledger_line_t lines[2] = { { "customer", to_customer }, { "write_offs", -to_customer } };
    ledger_journal_t j = {
        .site_id = site_id, .idem_key = idem_key, .kind = kind, .customer_id = customer_id,
        .amount = amount, .memo = memo, .lines = lines, .nlines = 2,
    };
    return ledger_post(db, who, &j, out, err);
}

int ledger_reverse(db_t *db, const audit_actor_t *who, int64_t site_id, int64_t journal_id,
                   const char *reason, const char *idem_key, ledger_posted_t *out, ledger_err_t *err)
{
    ledger_err_t spare;
    if (!err) err = &spare;
    *out = (ledger_posted_t){ 0 };
    size_t klen = idem_key ? strlen(idem_key) : 0;
    if (klen == 0 || klen > LEDGER_KEY_MAX) return invalid(err, "idem_key", "key_invalid");
    if (blank(reason)) return invalid(err, "memo", "reason_required");
    if (utf8_chars(reason) > MEMO_MAX) return invalid(err, "memo", "too_long");
    arena_t *a = arena_new(8192);
    if (!a) return DB_ERR;
    /* A replayed reversal finds its original reversed already: answer the
     * replay before judging the original. */
    int rc = lookup_key(db, a, idem_key, site_id, 0, out, err);
    if (rc != LEDGER_OK) { arena_free(a); return rc; }
    db_res_t *r, *e;
    rc = db_query(db, a, &r,
        "SELECT j.site_id, j.kind, COALESCE(j.customer_id, 0), COALESCE(j.contract_id, 0), j.amount, j.method,"
        " (SELECT x.id FROM ledger_journals x WHERE x.reverses_id = j.id)"
        " FROM ledger_journals j WHERE j.id = ?", "i", journal_id);
    if (rc == DB_OK)
        rc = db_query(db, a, &e,
            "SELECT a.kind, e.amount FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id"
            " WHERE e.journal_id = ? ORDER BY e.id", "i", journal_id);
    if (rc) { arena_free(a); return rc; }
    if (r->nrows != 1 || db_cell_int(r, 0, 0) != site_id) {
        arena_free(a);
        return invalid(err, "journal_id", "not_found"), LEDGER_NOT_FOUND;
    }
    if (!strcmp(db_cell(r, 0, 1), "reversal")) { arena_free(a); return invalid(err, "journal_id", "is_reversal"), LEDGER_CONFLICT; }
    if (db_cell(r, 0, 6)) { arena_free(a); return invalid(err, "journal_id", "already_reversed"), LEDGER_CONFLICT; }
    if (e->nrows < 2 || e->nrows > MAX_LINES) { arena_free(a); return DB_ERR; }
    ledger_line_t lines[MAX_LINES];
    for (int i = 0; i < e->nrows; i++) {
        /* The account kind is the line's name: "customer" or the system code. */
        lines[i].account = db_cell(e, i, 0);
        lines[i].amount = -db_cell_int(e, i, 1);
    }
    ledger_journal_t j = {
        .site_id = site_id, .idem_key = idem_key, .kind = "reversal", .customer_id = db_cell_int(r, 0, 2),
        .contract_id = db_cell_int(r, 0, 3), .amount = db_cell_int(r, 0, 4), .method = db_cell(r, 0, 5),
        .memo = reason, .reverses_id = journal_id, .lines = lines, .nlines = e->nrows,
    };
    rc = ledger_post(db, who, &j, out, err);
    arena_free(a);
    return rc;
}

/* ---------- reading ---------- */

int ledger_balance(db_t *db, arena_t *a, int64_t customer_id, int64_t *balance)
{
    db_res_t *r;
    *balance = 0;
    int rc = db_query(db, a, &r, "SELECT balance FROM ledger_accounts WHERE customer_id = ?", "i", customer_id);
    if (rc) return rc;
    if (r->nrows == 1) *balance = db_cell_int(r, 0, 0);
    return DB_OK;
}

int ledger_deposit_held(db_t *db, arena_t *a, int64_t contract_id, int64_t *held)
{
    /* Deposits credit deposits_held, refunds and offsets debit it, and a
     * reversal carries the contract and flips its original: the contract's
     * share of that account, negated, is what is held. */
    db_res_t *r;
    *held = 0;
    int rc = db_query(db, a, &r,
        "SELECT COALESCE(-SUM(e.amount), 0) FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id"
        " JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'deposits_held' WHERE j.contract_id = ?",
        "i", contract_id);
    if (rc) return rc;
    *held = db_cell_int(r, 0, 0);
    return DB_OK;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

static int by_journal(const void *x, const void *y)
{
    const int64_t *p = x, *q = y;
    return p[0] < q[0] ? -1 : p[0] > q[0];
}

/* Fills reversed_by: from the reversals among the lines themselves and
 * from those dated after the period (later: reverses_id, id).  Sorted
 * pairs and binary search, no query per line. */
static void link_reversals(ledger_stmt_line_t *lines, int n, const db_res_t *later)
{
    int64_t (*pairs)[2] = malloc(sizeof *pairs * (size_t)(n + later->nrows + 1));
    if (!pairs) return;
    int np = 0;
    for (int i = 0; i < n; i++)
        if (lines[i].reverses_id) { pairs[np][0] = lines[i].reverses_id; pairs[np][1] = lines[i].journal_id; np++; }
    for (int i = 0; i < later->nrows; i++) {
        pairs[np][0] = db_cell_int(later, i, 0);
        pairs[np][1] = db_cell_int(later, i, 1);
        np++;
    }
    qsort(pairs, (size_t)np, sizeof *pairs, by_journal);
    for (int i = 0; i < n && np; i++) {
        int64_t key[2] = { lines[i].journal_id, 0 };
        const int64_t (*hit)[2] = bsearch(key, pairs, (size_t)np, sizeof *pairs, by_journal);
        if (hit) lines[i].reversed_by = (*hit)[1];
    }
    free(pairs);
}

int ledger_statement(db_t *db, arena_t *a, int64_t customer_id, const char *from, const char *to,
                     ledger_statement_t *out)
{
    memset(out, 0, sizeof *out);
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT c.site_id, s.currency, COALESCE(a.id, 0),"
        " DATE_FORMAT(COALESCE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', s.time_zone), UTC_TIMESTAMP()), '%Y-%m-%d')"
        " FROM customers c JOIN sites s ON s.id = c.site_id LEFT JOIN ledger_accounts a ON a.customer_id = c.id"
        " WHERE c.id = ?", "i", customer_id);
    if (rc) return rc;
    if (r->nrows != 1) return LEDGER_NOT_FOUND;
    out->currency = db_cell(r, 0, 1);
    int64_t account = db_cell_int(r, 0, 2);
    if (!to) to = db_cell(r, 0, 3);
    if (!account) return DB_OK;

    /* Two indexed reads: the sum before the period (none when the period
     * starts at the beginning: that read would visit every entry), then
     * the period's entries with their journals (and any reversal of each)
     * in order. */
    if (from) {
        rc = db_query(db, a, &r,
            "SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id"
            " WHERE e.account_id = ? AND j.value_date < ?", "is", account, from);
        if (rc) return rc;
        out->opening = db_cell_int(r, 0, 0);
    } else {
        from = "0001-01-01";
    }
    /* Driven by the customer's journals in (value_date, id) order, the
     * index's own order, so there is no sort; the optimizer would rather
     * start from the entries and sort 10,000 wide rows, hence the hints. */
    rc = db_query(db, a, &r,
        "SELECT STRAIGHT_JOIN j.id, j.value_date, DATE_FORMAT(j.posted_at, '%Y-%m-%d %H:%i:%s'), j.kind,"
        " COALESCE(j.method, ''), j.reference, j.memo, j.doc_series, COALESCE(j.doc_number, 0),"
        " COALESCE(j.reverses_id, 0), e.amount"
        " FROM ledger_journals j FORCE INDEX (ix_ledger_journals_customer)"
        " JOIN ledger_entries e ON e.journal_id = j.id AND e.account_id = ?"
        " WHERE j.customer_id = ? AND j.value_date >= ? AND j.value_date <= ? ORDER BY j.value_date, j.id",
        "iiss", account, customer_id, from, to);
    if (rc) return rc;
    /* A reversal carries the customer of its original, so reversals dated
     * in the period are among the lines; only later ones need a look. */
    db_res_t *later;
    rc = db_query(db, a, &later,
        "SELECT reverses_id, id FROM ledger_journals WHERE customer_id = ? AND value_date > ?"
        " AND reverses_id IS NOT NULL", "is", customer_id, to);
    if (rc) return rc;
    out->lines = arena_alloc(a, sizeof *out->lines * (size_t)(r->nrows ? r->nrows : 1));
    if (!out->lines) return DB_ERR;
    int64_t running = out->opening;
    for (int i = 0; i < r->nrows; i++) {
        ledger_stmt_line_t *l = &out->lines[i];
        l->journal_id = db_cell_int(r, i, 0);
        l->value_date = db_cell(r, i, 1);
        l->posted_at = db_cell(r, i, 2);
        l->kind = db_cell(r, i, 3);
        l->method = db_cell(r, i, 4);
        l->reference = or_empty(db_cell(r, i, 5));
        l->memo = or_empty(db_cell(r, i, 6));
        l->document = ledger_doc_label(a, db_cell(r, i, 7), db_cell_int(r, i, 8));
        l->reverses_id = db_cell_int(r, i, 9);
        l->amount = db_cell_int(r, i, 10);
        running += l->amount;
        l->running = running;
        if (l->amount > 0) out->debits += l->amount; else out->credits -= l->amount;
    }
    link_reversals(out->lines, r->nrows, later);
    out->nlines = r->nrows;
    out->closing = running;
    return DB_OK;
}

/* ---------- invariants ---------- */

static int verify_body(db_t *db, arena_t *a, ledger_verify_result_t *res)
{
    db_res_t *r;
    int rc = db_query(db, a, &r,
        "SELECT (SELECT COUNT(*) FROM ledger_journals), (SELECT COUNT(*) FROM ledger_entries),"
        " (SELECT COUNT(*) FROM ledger_accounts)", "");
    if (rc) return rc;
    res->journals = db_cell_int(r, 0, 0);
    res->entries = db_cell_int(r, 0, 1);
    res->accounts = db_cell_int(r, 0, 2);

    rc = db_query(db, a, &r,
        "SELECT j.id, COUNT(e.id), COALESCE(SUM(e.amount), 0) FROM ledger_journals j"
        " LEFT JOIN ledger_entries e ON e.journal_id = j.id GROUP BY j.id"
        " HAVING COUNT(e.id) < 2 OR COALESCE(SUM(e.amount), 0) <> 0 ORDER BY j.id", "");
    if (rc) return rc;
    res->bad_journals = r->nrows;
    if (r->nrows && !res->problem[0])
        snprintf(res->problem, sizeof res->problem, "journal %s has %s entries summing to %s (want 2+ summing to 0)",
                 db_cell(r, 0, 0), db_cell(r, 0, 1), db_cell(r, 0, 2));

    rc = db_query(db, a, &r,
        "SELECT a.id, a.code, a.balance, COALESCE(SUM(e.amount), 0) FROM ledger_accounts a"
        " LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.code, a.balance"
        " HAVING a.balance <> COALESCE(SUM(e.amount), 0) ORDER BY a.id", "");
    if (rc) return rc;
    res->bad_balances = r->nrows;
    if (r->nrows && !res->problem[0])
        snprintf(res->problem, sizeof res->problem,
                 "account %s (%s) has cached balance %s but its entries sum to %s",
                 db_cell(r, 0, 0), db_cell(r, 0, 1), db_cell(r, 0, 2), db_cell(r, 0, 3));

    /* The unique key forbids this; counted anyway so a dropped index shows. */
    rc = db_query(db, a, &r,
        "SELECT idem_key, COUNT(*) FROM ledger_journals GROUP BY idem_key HAVING COUNT(*) > 1", "");
    if (rc) return rc;
    res->duplicate_keys = r->nrows;
    if (r->nrows && !res->problem[0])
        snprintf(res->problem, sizeof res->problem, "idempotency key \"%.100s\" was posted %s times",
                 db_cell(r, 0, 0), db_cell(r, 0, 1));
    return res->bad_journals || res->bad_balances || res->duplicate_keys ? 1 : 0;
}

int ledger_verify(db_t *db, ledger_verify_result_t *res)
{
    memset(res, 0, sizeof *res);
    arena_t *a = arena_new(64 * 1024);
    if (!a) return DB_ERR;
    /* One snapshot for every query, so postings running meanwhile cannot
     * make a balance look wrong. */
    int own = !db_in_tx(db);
    int rc = own ? db_begin(db) : DB_OK;
    if (rc == DB_OK) rc = verify_body(db, a, res);
    if (own) db_rollback(db);
    arena_free(a);
    return rc;
}
