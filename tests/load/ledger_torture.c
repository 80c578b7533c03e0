/* ledger-torture: a property test and benchmark of lib/ledger through its
 * public API, against a real database.
 *
 *   ledger-torture -c CONFIG -a ACCOUNT --site ID [--customers N] [--ops N]
 *                  [--procs P] [--seed S]
 *       P processes, each with its own connection, post N random operations
 *       each to N shared customers (so posters collide): payments, charges,
 *       deposits, credits, debits, write-offs, reversals of any earlier
 *       journal (OK or CONFLICT), replays of an earlier key (REPLAYED, no
 *       change), batches of payments through ledger_post_batch (some with
 *       a replayed member, some refused whole for an unknown customer)
 *       and invalid postings (INVALID, no change).  Each process
 *       records the net effect it intended per customer; at the end the
 *       sums must equal every customer's balance and ledger_verify must
 *       hold.  Exit 0 only then.
 *   ... --bench SECONDS [--batch B]
 *       P processes post payments to random customers (of N) as fast as
 *       they can, B journals per ledger_post_batch call (default 1: each
 *       payment its own transaction); prints postings/s and the p50/p99
 *       of one call.
 *   ... --statement CUSTOMER [--runs R]
 *       times ledger_statement of a customer R times (default 50); with
 *       CUSTOMER 0 first creates one and posts --ops postings to it.
 *   ... --script
 *       reads commands from stdin, one a line, and answers each with
 *       "<status> <journal_id> <doc_number> <balance> <field> <code>" (the
 *       integration tests drive single postings this way):
 *         customer                         (answers "ok <new customer id> ...")
 *         payment CUSTOMER AMOUNT METHOD KEY [REFERENCE...]
 *         charge CUSTOMER KIND AMOUNT KEY
 *         adjust CUSTOMER KIND AMOUNT KEY REASON...
 *         reverse JOURNAL KEY REASON...
 *         balance CUSTOMER
 *         batch CUSTOMER:AMOUNT:METHOD:KEY ...   (payments in one ledger_post_batch;
 *                                          answers "<status> <ids,> <docs,> <statuses,> <field> <code>")
 *         statement CUSTOMER FROM|- TO|-   (answers "ok <lines> <opening> <closing>
 *                                           <journal:reversed_by,...|-> <debits>/<credits>")
 *
 * Customers are created here (INSERT into customers with ACCOUNT), so the
 * program account's grants are proven sufficient for everything. */
#include "arena.h"
#include "config.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "secret.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64
#define MAX_JOURNALS (1 << 20)
#define HIST_BUCKETS 20000          /* 10 us each: up to 200 ms */

struct opts {
    const char *config, *account;
    int64_t site;
    int customers, ops, procs, runs;
    unsigned seed;
    int bench_seconds;
    int batch;              /* --batch: journals per ledger_post_batch in the benchmark */
    int64_t statement_customer;
    int statement_mode;
};

/* A journal any process may try to reverse: its customer and the effect
 * it had on that customer's balance.  id is written last. */
struct shared_journal {
    int64_t id, effect;
    int32_t customer;
    int32_t is_reversal;
};

struct shared {
    int64_t njournals;
    int64_t failures;
    int64_t counts[MAX_PROCS][10];   /* ok, replayed, invalid, conflict, retried, ... */
    int64_t hist[MAX_PROCS][HIST_BUCKETS + 1];
    int64_t postings[MAX_PROCS];
    struct shared_journal journals[MAX_JOURNALS];
    /* followed by int64_t effect[procs][customers] */
};

enum { C_OK, C_REPLAYED, C_INVALID, C_CONFLICT, C_RETRIED, C_REVERSALS };

static const audit_actor_t actor = { .type = "system", .name = "ledger-torture" };
static const char *const methods[] = { "cash", "card", "bank_transfer" };

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64*: reproducible per seed and process. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static int64_t rnd_amount(void) { return 1 + (int64_t)(rnd() % 100000); }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static db_t *connect_db(const struct opts *o)
{
    char err[256];
    config_t *cfg = config_load(o->config, err, sizeof err);
    if (!cfg) { fprintf(stderr, "ledger-torture: %s\n", err); return NULL; }
    db_t *db = db_open(cfg, o->account, err, sizeof err);
    config_free(cfg);
    if (!db) { fprintf(stderr, "ledger-torture: %s\n", err); return NULL; }
    if (db_ping(db) != DB_OK) {
        fprintf(stderr, "ledger-torture: cannot reach the database: %s\n", db_error(db));
        db_close(db);
        return NULL;
    }
    return db;
}

static int create_customers(db_t *db, const struct opts *o, const char *run, int n, int64_t *ids)
{
    if (db_begin(db) != DB_OK) return -1;
    for (int i = 0; i < n; i++) {
        char doc[40];
        snprintf(doc, sizeof doc, "LT%s%05d", run, i);
        long rc = db_exec(db, "INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number,"
                              " doc_expiry) VALUES (?, ?, '1980-01-01', 'passport', ?, '2099-12-31')",
                          "iss", o->site, "Torture Test", doc);
        if (rc < 0) {
            fprintf(stderr, "ledger-torture: cannot create customers: %s\n", db_error(db));
            db_rollback(db);
            return -1;
        }
        ids[i] = db_last_id(db);
    }
    return db_commit(db) == DB_OK ? 0 : -1;
}

/* A payment as ledger_payment builds it, for batches.  lines must outlive
 * the journal. */
static ledger_journal_t payment_journal(const struct opts *o, int64_t customer, int64_t amount, const char *method,
                                        const char *key, ledger_line_t lines[2])
{
    lines[0] = (ledger_line_t){ method, amount };
    lines[1] = (ledger_line_t){ "customer", -amount };
    return (ledger_journal_t){ .site_id = o->site, .idem_key = key, .kind = "payment", .customer_id = customer,
                               .amount = amount, .method = method, .doc_series = "receipt", .lines = lines,
                               .nlines = 2 };
}

/* ---------- the property test ---------- */

struct mine {           /* a posting of this process that can be replayed */
    char key[64];
    int kind;           /* 0 payment, 1 charge, 2 adjust */
    const char *sub;    /* method / charge kind / adjust kind */
    int customer;
    int64_t amount, journal_id;
};

static void count(struct shared *sh, int proc, int rc)
{
    int c = rc == LEDGER_OK ? C_OK : rc == LEDGER_REPLAYED ? C_REPLAYED : rc == LEDGER_INVALID ? C_INVALID
          : rc == LEDGER_CONFLICT ? C_CONFLICT : -1;
    if (c >= 0) sh->counts[proc][c]++;
}

static void failure(struct shared *sh, int proc, const char *what, int rc, db_t *db)
{
    if (__atomic_fetch_add(&sh->failures, 1, __ATOMIC_SEQ_CST) < 20)
        fprintf(stderr, "ledger-torture[%d]: %s: unexpected result %d (%s)\n", proc, what, rc, db_error(db));
}

/* Retries the same key on deadlock: the key makes the retry safe. */
#define POST(call) ({ int r_, n_ = 0; \
                     while ((r_ = (call)) == DB_ERR_RETRY && n_++ < 50) { sh->counts[proc][C_RETRIED]++; } \
                     r_; })

static void publish(struct shared *sh, int64_t id, int customer, int64_t effect, int is_reversal)
{
    int64_t slot = __atomic_fetch_add(&sh->njournals, 1, __ATOMIC_SEQ_CST);
    if (slot >= MAX_JOURNALS) return;
    sh->journals[slot].effect = effect;
    sh->journals[slot].customer = customer;
    sh->journals[slot].is_reversal = is_reversal;
    __atomic_store_n(&sh->journals[slot].id, id, __ATOMIC_RELEASE);
}

static int torture_child(const struct opts *o, struct shared *sh, int64_t *effect, const int64_t *cust,
                         int proc, const char *run)
{
    db_t *db = connect_db(o);
    if (!db) return 1;
    rng_state = ((uint64_t)o->seed << 16) ^ (uint64_t)(proc + 1) * 0x9E3779B97F4A7C15ULL;
    struct mine *posted = calloc((size_t)o->ops, sizeof *posted);
    int nposted = 0;
    for (int op = 0; op < o->ops && __atomic_load_n(&sh->failures, __ATOMIC_SEQ_CST) < 20; op++) {
        int ci = (int)(rnd() % (uint64_t)o->customers);
        int64_t amt = rnd_amount();
        char key[64];
        snprintf(key, sizeof key, "lt:%s:%d:%d", run, proc, op);
        ledger_posted_t out;
        ledger_err_t err = { 0 };
        int choice = (int)(rnd() % 100), rc;
        struct mine *m = &posted[nposted];
        if (choice < 25) {                                   /* payment */
            const char *method = methods[rnd() % 3];
            rc = POST(ledger_payment(db, &actor, o->site, cust[ci], amt, method, "torture", NULL, key, &out, &err));
            if (rc != LEDGER_OK || out.doc_number <= 0) { failure(sh, proc, "payment", rc, db); continue; }
            effect[ci] -= amt;
            *m = (struct mine){ .kind = 0, .sub = method, .customer = ci, .amount = amt, .journal_id = out.journal_id };
            publish(sh, out.journal_id, ci, -amt, 0);
        } else if (choice < 42) {                            /* charge or deposit */
            const char *kind = rnd() % 2 ? "charge" : "deposit";
            rc = POST(ledger_charge(db, &actor, o->site, cust[ci], 0, kind, amt, "torture", NULL, key, &out, &err));
            if (rc != LEDGER_OK) { failure(sh, proc, kind, rc, db); continue; }
            effect[ci] += amt;
            *m = (struct mine){ .kind = 1, .sub = kind, .customer = ci, .amount = amt, .journal_id = out.journal_id };
            publish(sh, out.journal_id, ci, amt, 0);
        } else if (choice < 52) {                            /* credit, debit, write-off */
            static const char *const adj[] = { "credit", "debit", "write_off" };
            const char *kind = adj[rnd() % 3];
            rc = POST(ledger_adjust(db, &actor, o->site, cust[ci], kind, amt, "torture <b>'; --", key, &out, &err));
            if (rc != LEDGER_OK) { failure(sh, proc, kind, rc, db); continue; }
            int64_t e = strcmp(kind, "debit") != 0 ? -amt : amt;
            effect[ci] += e;
            *m = (struct mine){ .kind = 2, .sub = kind, .customer = ci, .amount = amt, .journal_id = out.journal_id };
            publish(sh, out.journal_id, ci, e, 0);
        } else if (choice < 66) {                            /* reversal of any earlier journal */
            int64_t n = __atomic_load_n(&sh->njournals, __ATOMIC_SEQ_CST);
            if (n > MAX_JOURNALS) n = MAX_JOURNALS;
            if (n == 0) continue;
            struct shared_journal *sj = &sh->journals[rnd() % (uint64_t)n];
            int64_t id = __atomic_load_n(&sj->id, __ATOMIC_ACQUIRE);
            if (!id) continue;                               /* still being published */
            rc = POST(ledger_reverse(db, &actor, o->site, id, "torture reversal", key, &out, &err));
            if (rc == LEDGER_OK && !sj->is_reversal) {
                effect[sj->customer] -= sj->effect;
                sh->counts[proc][C_REVERSALS]++;
                publish(sh, out.journal_id, sj->customer, -sj->effect, 1);
            } else if (rc != LEDGER_CONFLICT) {
                failure(sh, proc, sj->is_reversal ? "reversal of a reversal" : "reversal", rc, db);
            }
            count(sh, proc, rc);
            continue;
        } else if (choice < 78) {                            /* replay of an earlier key of ours */
            if (nposted == 0) continue;
            struct mine *p = &posted[rnd() % (uint64_t)nposted];
            ci = p->customer;
            if (p->kind == 0)
                rc = POST(ledger_payment(db, &actor, o->site, cust[ci], p->amount, p->sub, "torture", NULL, p->key, &out, &err));
            else if (p->kind == 1)
                rc = POST(ledger_charge(db, &actor, o->site, cust[ci], 0, p->sub, p->amount, "torture", NULL, p->key, &out, &err));
            else
                rc = POST(ledger_adjust(db, &actor, o->site, cust[ci], p->sub, p->amount, "torture <b>'; --", p->key, &out, &err));
            if (rc != LEDGER_REPLAYED || out.journal_id != p->journal_id) failure(sh, proc, "replay", rc, db);
            count(sh, proc, rc);
            continue;
        } else if (choice < 88) {                            /* a batch: new payments, maybe a replay, maybe refused */
            enum { MAXB = 6 };
            ledger_journal_t js[MAXB];
            ledger_line_t lines[MAXB][2];
            ledger_posted_t outs[MAXB];
            int st[MAXB], cis[MAXB], nb = 2 + (int)(rnd() % (MAXB - 1)), replay = -1, refuse = rnd() % 8 == 0;
            char keys[MAXB][80];
            for (int i = 0; i < nb; i++) {
                cis[i] = (int)(rnd() % (uint64_t)o->customers);
                snprintf(keys[i], sizeof keys[i], "%s:%d", key, i);
                js[i] = payment_journal(o, cust[cis[i]], rnd_amount(), methods[rnd() % 3], keys[i], lines[i]);
            }
            if (nposted > 0 && rnd() % 2) {                  /* one member replays an earlier payment of ours */
                struct mine *p = &posted[rnd() % (uint64_t)nposted];
                if (p->kind == 0) {
                    replay = (int)(rnd() % (uint64_t)nb);
                    cis[replay] = p->customer;
                    js[replay] = payment_journal(o, cust[p->customer], p->amount, p->sub, p->key, lines[replay]);
                }
            }
            if (refuse)                                      /* a new member names no customer of ours */
                js[replay < 0 ? 0 : (replay + 1) % nb].customer_id = INT64_C(0x7fffffff);
            rc = POST(ledger_post_batch(db, &actor, js, nb, outs, st, &err));
            if (refuse) {
                if (rc != LEDGER_NOT_FOUND) failure(sh, proc, "refused batch", rc, db);
                continue;
            }
            if (rc != LEDGER_OK) { failure(sh, proc, "batch", rc, db); continue; }
            for (int i = 0; i < nb; i++) {
                if (i == replay) {
                    if (st[i] != LEDGER_REPLAYED) failure(sh, proc, "replay in a batch", st[i], db);
                    count(sh, proc, st[i]);
                    continue;
                }
                if (st[i] != LEDGER_OK || outs[i].doc_number <= 0) { failure(sh, proc, "batch member", st[i], db); continue; }
                effect[cis[i]] -= js[i].amount;
                publish(sh, outs[i].journal_id, cis[i], -js[i].amount, 0);
                count(sh, proc, st[i]);
            }
            continue;
        } else {                                             /* invalid: refused, nothing posted */
            ledger_line_t lines[2] = { { "cash", amt }, { "customer", -amt + 1 } };
            ledger_journal_t j = { .site_id = o->site, .idem_key = key, .kind = "payment", .customer_id = cust[ci],
                                   .amount = amt, .method = "cash", .lines = lines, .nlines = 2 };
            switch (rnd() % 5) {
            case 0: rc = ledger_post(db, &actor, &j, &out, &err); break;        /* unbalanced */
            case 1: rc = ledger_payment(db, &actor, o->site, cust[ci], 0, "cash", NULL, NULL, key, &out, &err); break;
            case 2: rc = ledger_payment(db, &actor, o->site, cust[ci], amt, "iou", NULL, NULL, key, &out, &err); break;
            case 3: rc = ledger_adjust(db, &actor, o->site, cust[ci], "credit", amt, " ", key, &out, &err); break;
            default: rc = ledger_payment(db, &actor, o->site, cust[ci], amt, "cash", NULL, "2023-02-30", key, &out, &err); break;
            }
            if (rc != LEDGER_INVALID || !err.code) failure(sh, proc, "invalid posting", rc, db);
            count(sh, proc, rc);
            continue;
        }
        snprintf(m->key, sizeof m->key, "%s", key);
        nposted++;
        count(sh, proc, rc);
    }
    sh->postings[proc] = nposted;
    free(posted);
    db_close(db);
    return 0;
}

static int check_totals(db_t *db, const struct opts *o, struct shared *sh, const int64_t *effects,
                        const int64_t *cust)
{
    arena_t *a = arena_new(64 * 1024);
    int bad = 0;
    for (int c = 0; c < o->customers; c++) {
        int64_t want = 0, got = 0;
        for (int p = 0; p < o->procs; p++) want += effects[(size_t)p * (size_t)o->customers + (size_t)c];
        if (ledger_balance(db, a, cust[c], &got) != DB_OK) { fprintf(stderr, "balance query failed\n"); bad++; continue; }
        if (got != want) {
            if (bad < 10) fprintf(stderr, "customer %lld: balance %lld, intended %lld\n", (long long)cust[c],
                                  (long long)got, (long long)want);
            bad++;
        }
    }
    arena_free(a);
    int64_t tot[10] = { 0 };
    for (int p = 0; p < o->procs; p++) for (int k = 0; k < 10; k++) tot[k] += sh->counts[p][k];
    printf("ops: %lld ok, %lld replayed, %lld invalid, %lld conflict, %lld deadlock retries, %lld reversals\n",
           (long long)tot[C_OK], (long long)tot[C_REPLAYED], (long long)tot[C_INVALID], (long long)tot[C_CONFLICT],
           (long long)tot[C_RETRIED], (long long)tot[C_REVERSALS]);
    printf("balances: %d customers, %d wrong\n", o->customers, bad);
    ledger_verify_result_t v;
    int vr = ledger_verify(db, &v);
    printf("verify: %lld journals, %lld entries, %lld accounts: %s%s\n", (long long)v.journals, (long long)v.entries,
           (long long)v.accounts, vr == 0 ? "invariants hold" : "BROKEN: ", vr == 0 ? "" : v.problem);
    printf("unexpected results: %lld\n", (long long)sh->failures);
    return bad == 0 && vr == 0 && sh->failures == 0 ? 0 : 1;
}

/* ---------- benchmark ---------- */

static int bench_child(const struct opts *o, struct shared *sh, const int64_t *cust, int proc, const char *run)
{
    db_t *db = connect_db(o);
    if (!db) return 1;
    rng_state = ((uint64_t)o->seed << 16) ^ (uint64_t)(proc + 1) * 0x9E3779B97F4A7C15ULL;
    int nb = o->batch;
    ledger_journal_t *js = calloc((size_t)nb, sizeof *js);
    ledger_line_t (*lines)[2] = calloc((size_t)nb, sizeof *lines);
    char (*keys)[64] = calloc((size_t)nb, sizeof *keys);
    ledger_posted_t *outs = calloc((size_t)nb, sizeof *outs);
    int *st = calloc((size_t)nb, sizeof *st);
    if (!js || !lines || !keys || !outs || !st) return 1;
    double end = now_s() + o->bench_seconds;
    int64_t n = 0;
    for (;;) {
        double t0 = now_s();
        if (t0 >= end) break;
        for (int i = 0; i < nb; i++) {
            snprintf(keys[i], sizeof keys[i], "lb:%s:%d:%lld", run, proc, (long long)(n + i));
            js[i] = payment_journal(o, cust[rnd() % (uint64_t)o->customers], rnd_amount(), methods[rnd() % 3],
                                    keys[i], lines[i]);
        }
        ledger_err_t err = { 0 };
        int rc = POST(ledger_post_batch(db, &actor, js, nb, outs, st, &err));
        if (rc != LEDGER_OK || st[0] != LEDGER_OK) { failure(sh, proc, "bench payment", rc, db); break; }
        int64_t b = (int64_t)((now_s() - t0) * 1e5);      /* 10 us buckets */
        sh->hist[proc][b < HIST_BUCKETS ? b : HIST_BUCKETS]++;
        n += nb;
    }
    sh->postings[proc] = n;
    free(js); free(lines); free(keys); free(outs); free(st);
    db_close(db);
    return 0;
}

static double percentile(const int64_t *hist, int64_t total, double pct)
{
    int64_t want = (int64_t)(pct / 100.0 * (double)total + 0.5), seen = 0;
    for (int b = 0; b <= HIST_BUCKETS; b++) {
        seen += hist[b];
        if (seen >= want && seen > 0) return (b + 0.5) * 0.01;     /* ms */
    }
    return HIST_BUCKETS * 0.01;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* ---------- script mode ---------- */

static const char *status_name(int rc)
{
    switch (rc) {
    case LEDGER_OK: return "ok";
    case LEDGER_REPLAYED: return "replayed";
    case LEDGER_INVALID: return "invalid";
    case LEDGER_NOT_FOUND: return "not_found";
    case LEDGER_CONFLICT: return "conflict";
    default: return "error";
    }
}

/* batch CUSTOMER:AMOUNT:METHOD:KEY ... : payments through one
 * ledger_post_batch; answers "<status> <journal ids> <doc numbers>
 * <member statuses> <field> <code>", lists comma-separated. */
static void run_script_batch(db_t *db, const struct opts *o, const char *args)
{
    enum { MAXB = 16 };
    ledger_journal_t js[MAXB];
    ledger_line_t lines[MAXB][2];
    ledger_posted_t outs[MAXB];
    char methods_[MAXB][24], keys[MAXB][130];
    int st[MAXB], n = 0, used;
    long long customer, amount;
    while (n < MAXB && sscanf(args, " %lld:%lld:%23[^:]:%129s%n", &customer, &amount, methods_[n], keys[n], &used) == 4) {
        js[n] = payment_journal(o, customer, amount, methods_[n], keys[n], lines[n]);
        n++;
        args += used;
    }
    ledger_err_t err = { 0 };
    int rc = n ? ledger_post_batch(db, &actor, js, n, outs, st, &err) : DB_ERR;
    printf("%s ", status_name(rc));
    for (int i = 0; i < n; i++) printf("%s%lld", i ? "," : "", (long long)outs[i].journal_id);
    printf(" ");
    for (int i = 0; i < n; i++) printf("%s%lld", i ? "," : "", (long long)outs[i].doc_number);
    printf(" ");
    for (int i = 0; i < n; i++) printf("%s%s", i ? "," : "", status_name(st[i]));
    printf(" %s %s\n", err.field ? err.field : "-", err.code ? err.code : "-");
    fflush(stdout);
}

static int run_script(db_t *db, const struct opts *o, const char *run)
{
    char line[1024];
    int n = 0;
    arena_t *a = arena_new(4096);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char cmd[32] = "", s1[200] = "", s2[200] = "", s3[200] = "", s4[200] = "";
        int consumed = 0;
        if (sscanf(line, "%31s%n", cmd, &consumed) < 1) continue;
        const char *rest = line + consumed;
        ledger_posted_t out = { 0 };
        ledger_err_t err = { 0 };
        int rc = DB_ERR;
        arena_reset(a);
        if (!strcmp(cmd, "customer")) {
            char tag[48];
            snprintf(tag, sizeof tag, "%ss%d", run, n++);
            int64_t id = 0;
            rc = create_customers(db, o, tag, 1, &id) == 0 ? LEDGER_OK : DB_ERR;
            out.journal_id = id;
        } else if (!strcmp(cmd, "payment") && sscanf(rest, "%199s %199s %199s %199s %n", s1, s2, s3, s4, &consumed) == 4) {
            rc = ledger_payment(db, &actor, o->site, atoll(s1), atoll(s2), s3, rest + consumed, NULL, s4, &out, &err);
        } else if (!strcmp(cmd, "charge") && sscanf(rest, "%199s %199s %199s %199s", s1, s2, s3, s4) == 4) {
            rc = ledger_charge(db, &actor, o->site, atoll(s1), 0, s2, atoll(s3), "script", NULL, s4, &out, &err);
        } else if (!strcmp(cmd, "adjust") && sscanf(rest, "%199s %199s %199s %199s %n", s1, s2, s3, s4, &consumed) == 4) {
            rc = ledger_adjust(db, &actor, o->site, atoll(s1), s2, atoll(s3), rest + consumed, s4, &out, &err);
        } else if (!strcmp(cmd, "reverse") && sscanf(rest, "%199s %199s %n", s1, s2, &consumed) == 2) {
            rc = ledger_reverse(db, &actor, o->site, atoll(s1), rest + consumed, s2, &out, &err);
        } else if (!strcmp(cmd, "statement") && sscanf(rest, "%199s %199s %199s", s1, s2, s3) == 3) {
            /* ok <lines> <opening> <closing> <journal:reversed_by,...|-> <debits/credits> */
            ledger_statement_t st;
            const char *from = strcmp(s2, "-") ? s2 : NULL, *to = strcmp(s3, "-") ? s3 : NULL;
            if (ledger_statement(db, a, atoll(s1), from, to, &st) != DB_OK) { printf("error 0 0 0 - -\n"); fflush(stdout); continue; }
            printf("ok %d %lld %lld ", st.nlines, (long long)st.opening, (long long)st.closing);
            int any = 0;
            for (int i = 0; i < st.nlines; i++)
                if (st.lines[i].reversed_by)
                    printf("%s%lld:%lld", any++ ? "," : "", (long long)st.lines[i].journal_id,
                           (long long)st.lines[i].reversed_by);
            printf("%s %lld/%lld\n", any ? "" : "-", (long long)st.debits, (long long)st.credits);
            fflush(stdout);
            continue;
        } else if (!strcmp(cmd, "batch")) {
            run_script_batch(db, o, rest);
            continue;
        } else if (!strcmp(cmd, "balance") && sscanf(rest, "%199s", s1) == 1) {
            rc = ledger_balance(db, a, atoll(s1), &out.customer_balance) == DB_OK ? LEDGER_OK : DB_ERR;
        } else {
            printf("error 0 0 0 - bad_command\n");
            fflush(stdout);
            continue;
        }
        printf("%s %lld %lld %lld %s %s\n", status_name(rc), (long long)out.journal_id, (long long)out.doc_number,
               (long long)out.customer_balance, err.field ? err.field : "-", err.code ? err.code : "-");
        fflush(stdout);
    }
    arena_free(a);
    return 0;
}

/* ---------- main ---------- */

static void usage(void)
{
    fputs("usage: ledger-torture -c CONFIG -a ACCOUNT --site ID [--customers N] [--ops N] [--procs P] [--seed S]\n"
          "                      [--bench SECONDS [--batch B] | --statement CUSTOMER [--runs R] | --script]\n", stderr);
}

static int run_children(const struct opts *o, struct shared *sh, int64_t *effects, const int64_t *cust,
                        const char *run, int bench)
{
    pid_t pids[MAX_PROCS];
    fflush(NULL);
    for (int p = 0; p < o->procs; p++) {
        pids[p] = fork();
        if (pids[p] < 0) { perror("fork"); return 1; }
        if (pids[p] == 0)
            _exit(bench ? bench_child(o, sh, cust, p, run)
                        : torture_child(o, sh, effects + (size_t)p * (size_t)o->customers, cust, p, run));
    }
    int bad = 0;
    for (int p = 0; p < o->procs; p++) {
        int st = 0;
        waitpid(pids[p], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "process %d failed (status %d)\n", p, st); bad = 1; }
    }
    return bad;
}

int main(int argc, char **argv)
{
    struct opts o = { .customers = 20, .ops = 1000, .procs = 4, .seed = 1, .runs = 50, .batch = 1 };
    static const struct option longopts[] = {
        { "site", required_argument, 0, 's' }, { "customers", required_argument, 0, 'n' },
        { "ops", required_argument, 0, 'o' }, { "procs", required_argument, 0, 'p' },
        { "seed", required_argument, 0, 'S' }, { "bench", required_argument, 0, 'b' },
        { "statement", required_argument, 0, 't' }, { "runs", required_argument, 0, 'r' },
        { "script", no_argument, 0, 'x' }, { "batch", required_argument, 0, 'B' }, { 0, 0, 0, 0 },
    };
    int ch, script = 0;
    while ((ch = getopt_long(argc, argv, "c:a:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o.config = optarg; break;
        case 'a': o.account = optarg; break;
        case 's': o.site = atoll(optarg); break;
        case 'n': o.customers = atoi(optarg); break;
        case 'o': o.ops = atoi(optarg); break;
        case 'p': o.procs = atoi(optarg); break;
        case 'S': o.seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'b': o.bench_seconds = atoi(optarg); break;
        case 't': o.statement_mode = 1; o.statement_customer = atoll(optarg); break;
        case 'r': o.runs = atoi(optarg); break;
        case 'x': script = 1; break;
        case 'B': o.batch = atoi(optarg); break;
        default: usage(); return 2;
        }
    }
    if (!o.config) o.config = getenv("STRONGROOM_CONFIG");
    if (!o.config || !o.account || o.site <= 0 || o.customers < 1 || o.ops < 0 || o.procs < 1 ||
        o.procs > MAX_PROCS || o.runs < 1 || o.batch < 0 || o.batch > LEDGER_BATCH_MAX) {
        usage();
        return 2;
    }
    log_init("ledger-torture", "warn");
    if (secret_init() != 0) return 1;
    db_t *db = connect_db(&o);
    if (!db) return 1;

    /* Unique per run, so keys and document numbers of customers never clash. */
    char run[32];
    snprintf(run, sizeof run, "%lx%x", (unsigned long)time(NULL), (unsigned)getpid());
    size_t shsize = sizeof(struct shared) + sizeof(int64_t) * (size_t)o.procs * (size_t)o.customers;
    struct shared *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) { perror("mmap"); return 1; }
    int64_t *effects = (int64_t *)(sh + 1);

    int rc;
    if (script) {
        rc = run_script(db, &o, run);
    } else if (o.statement_mode) {
        int64_t customer = o.statement_customer;
        if (!customer) {
            if (create_customers(db, &o, run, 1, &customer) != 0) return 1;
            o.customers = 1;
            int64_t one[1] = { customer };
            /* Filling one customer is the bench's loop: payments only are
             * not a statement, so post through the torture mix. */
            if (run_children(&o, sh, effects, one, run, 0) != 0 || sh->failures) return 1;
        }
        double *ms = calloc((size_t)o.runs, sizeof *ms);
        arena_t *a = arena_new(1 << 20);
        int lines = 0;
        int64_t closing = 0;
        for (int i = 0; i < o.runs; i++) {
            arena_reset(a);
            ledger_statement_t st;
            double t0 = now_s();
            if (ledger_statement(db, a, customer, NULL, NULL, &st) != DB_OK) { fprintf(stderr, "statement failed\n"); return 1; }
            ms[i] = (now_s() - t0) * 1000;
            lines = st.nlines;
            closing = st.closing;
        }
        qsort(ms, (size_t)o.runs, sizeof *ms, cmp_double);
        printf("statement: customer %lld, %d lines, closing %lld, p50 %.2f ms, p99 %.2f ms\n", (long long)customer,
               lines, (long long)closing,
               ms[o.runs / 2], ms[(o.runs * 99) / 100 < o.runs ? (o.runs * 99) / 100 : o.runs - 1]);
        arena_free(a);
        free(ms);
        rc = 0;
    } else {
        int64_t *cust = calloc((size_t)o.customers, sizeof *cust);
        if (create_customers(db, &o, run, o.customers, cust) != 0) return 1;
        if (o.bench_seconds > 0) {
            double t0 = now_s();
            rc = run_children(&o, sh, effects, cust, run, 1);
            double secs = now_s() - t0;
            int64_t total = 0;
            static int64_t hist[HIST_BUCKETS + 1];
            int64_t calls = 0;
            for (int p = 0; p < o.procs; p++) {
                total += sh->postings[p];
                for (int b = 0; b <= HIST_BUCKETS; b++) hist[b] += sh->hist[p][b], calls += sh->hist[p][b];
            }
            /* Latency is per call: one posting, or one batch of them. */
            printf("bench: %d processes, batches of %d, %lld postings in %.2f s: %.0f postings/s,"
                   " p50 %.2f ms, p99 %.2f ms\n", o.procs, o.batch, (long long)total, secs, (double)total / secs,
                   percentile(hist, calls, 50), percentile(hist, calls, 99));
            rc = rc || sh->failures;
        } else {
            rc = run_children(&o, sh, effects, cust, run, 0);
            rc = check_totals(db, &o, sh, effects, cust) || rc;
        }
        free(cust);
    }
    munmap(sh, shsize);
    db_close(db);
    return rc;
}
