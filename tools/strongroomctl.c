/* strongroomctl: the operator's command-line tool.
 *   migrate                 apply new schema migrations
 *   create-admin ...        create (or reset the password of) a staff user
 *   verify                  prove the audit chain is intact and the ledger balances
 *   billing run             charge the rent that has fallen due (the systemd timer's job)
 *   billing release         an operator's decision on a contract the run parked
 */
#include "config.h"
#include "db.h"
#include "migrate.h"
#include "audit.h"
#include "ledger.h"
#include "billing.h"
#include "notice.h"
#include "money.h"
#include "auth.h"
#include "secret.h"
#include "log.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void usage(void)
{
    fputs("usage: strongroomctl [-c CONFIG] COMMAND [options]\n"
          "  migrate\n"
          "  create-admin --username NAME [--role ROLE] [--display-name TEXT]\n"
          "               [--sites all|ID,ID,...] [--password-file FILE|-]\n"
          "  verify\n"
          "  billing run [--as-of 'YYYY-MM-DD HH:MM:SS' (UTC)] [--site ID | --jobs N] [--quiet]\n"
          "  billing release CONTRACT charge|waive --reason TEXT [--as-of TIME]\n"
          "CONFIG defaults to $STRONGROOM_CONFIG.\n", stderr);
}

static void progress(const char *name, const char *what) { printf("%s %s\n", what, name); }

static int cmd_migrate(db_t *db, const config_t *cfg)
{
    char err[1024];
    const char *dir = config_get(cfg, "Paths.Migrations", "sql/migrations");
    int n = migrate_run(db, dir, progress, err, sizeof err);
    if (n < 0) { fprintf(stderr, "migrate: %s\n", err); return 1; }
    printf("migrations: %d applied, schema up to date\n", n);
    return 0;
}

static int read_password(const char *file, char *out, size_t outlen)
{
    FILE *f = (!file || !strcmp(file, "-")) ? stdin : fopen(file, "r");
    if (!f) return -1;
    if (f == stdin && isatty(STDIN_FILENO)) fputs("password: ", stderr);
    char *ok = fgets(out, (int)outlen, f);
    if (f != stdin) fclose(f);
    if (!ok) return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int cmd_create_admin(db_t *db, const config_t *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        { "username", required_argument, 0, 'u' }, { "role", required_argument, 0, 'r' },
        { "display-name", required_argument, 0, 'd' }, { "sites", required_argument, 0, 's' },
        { "password-file", required_argument, 0, 'p' }, { 0, 0, 0, 0 } };
    const char *username = NULL, *role = "admin", *display = NULL, *sites = "all", *pwfile = "-";
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'u': username = optarg; break;
        case 'r': role = optarg; break;
        case 'd': display = optarg; break;
        case 's': sites = optarg; break;
        case 'p': pwfile = optarg; break;
        default: usage(); return 2;
        }
    }
    if (!username || !*username || strlen(username) > 64) { fputs("create-admin: --username is required (at most 64 characters)\n", stderr); return 2; }
    if (!auth_valid_role(role)) { fprintf(stderr, "create-admin: unknown role %s\n", role); return 2; }
    char pw[300];
    if (read_password(pwfile, pw, sizeof pw) != 0) { fputs("create-admin: no password given\n", stderr); return 2; }
    const char *why;
    if (!auth_password_acceptable(pw, &why)) { fprintf(stderr, "create-admin: password rejected (%s)\n", why); return 2; }
    auth_policy_t pol;
    auth_policy_from_config(cfg, &pol);
    char hash[256];
    if (secret_password_hash(hash, sizeof hash, pw, pol.pw_ops, pol.pw_mem_kib) != 0) { fputs("out of memory\n", stderr); return 1; }
    int all = !strcmp(sites, "all");

    if (db_begin(db) != DB_OK) { fprintf(stderr, "database: %s\n", db_error(db)); return 1; }
    long n = db_exec(db,
        "INSERT INTO staff_users (username, display_name, password_hash, role, all_sites, active)"
        " VALUES (?, ?, ?, ?, ?, 1)"
        " ON DUPLICATE KEY UPDATE password_hash = VALUES(password_hash), role = VALUES(role),"
        " all_sites = VALUES(all_sites), active = 1",
        "ssssI", username, display ? display : username, hash, role, all);
    arena_t *a = arena_new(4096);
    db_res_t *r;
    int rc = n < 0 ? (int)n : db_query(db, a, &r, "SELECT id FROM staff_users WHERE username = ?", "s", username);
    int64_t uid = rc == DB_OK && r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
    if (uid && !all) {
        db_exec(db, "DELETE FROM staff_user_sites WHERE user_id = ?", "i", uid);
        char list[512];
        snprintf(list, sizeof list, "%s", sites);
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t && rc == DB_OK; t = strtok_r(NULL, ",", &save)) {
            long sid = atol(t);
            if (sid <= 0 || db_exec(db, "INSERT INTO staff_user_sites (user_id, site_id) VALUES (?, ?)", "ii", uid, (int64_t)sid) < 0) {
                fprintf(stderr, "create-admin: no such site %s\n", t);
                rc = DB_ERR;
            }
        }
    }
    char detail[200];
    snprintf(detail, sizeof detail, "{\"role\":\"%s\",\"all_sites\":%d}", role, all);
    audit_actor_t actor = { .type = "system", .name = "strongroomctl" };
    if (rc == DB_OK && uid) rc = audit_write(db, &actor, "staff.create_or_reset", "staff_user", uid, 0, detail);
    arena_free(a);
    if (rc != DB_OK || !uid || db_commit(db) != DB_OK) {
        db_rollback(db);
        fprintf(stderr, "create-admin failed: %s\n", db_error(db));
        return 1;
    }
    printf("staff user %s (%s) ready\n", username, role);
    return 0;
}

/* The ledger's invariants (DESIGN.md §4); 1 when any is broken. */
static int verify_ledger(db_t *db)
{
    ledger_verify_result_t v;
    int rc = ledger_verify(db, &v);
    if (rc < 0) { fprintf(stderr, "verify: database error: %s\n", db_error(db)); return 1; }
    printf("ledger: %lld journals, %lld entries, %lld accounts: ", (long long)v.journals, (long long)v.entries,
           (long long)v.accounts);
    if (rc == 0) { puts("invariants hold"); return 0; }
    puts("BROKEN");
    if (v.bad_journals) printf("  %lld journals do not sum to zero or have fewer than 2 entries\n", (long long)v.bad_journals);
    if (v.bad_balances) printf("  %lld accounts have a cached balance unequal to their entries\n", (long long)v.bad_balances);
    if (v.duplicate_keys) printf("  %lld idempotency keys were posted more than once\n", (long long)v.duplicate_keys);
    printf("  first problem: %s\n", v.problem);
    return 1;
}

static int cmd_verify(db_t *db)
{
    audit_verify_result_t res;
    int rc = audit_verify(db, &res);
    if (rc < 0) { fprintf(stderr, "verify: database error: %s\n", db_error(db)); return 1; }
    if (rc > 0) {
        printf("audit chain: BROKEN at row %lld: %s\n", (long long)res.first_bad_id, res.problem);
        return 1;
    }
    printf("audit chain: intact, %lld rows\n", (long long)res.rows);
    return verify_ledger(db);
}

/* ---------- billing ---------- */

#define MAX_JOBS 16

/* Progress on a terminal: one line kept up to date, or with several
 * workers a line each time a worker starts a site. */
struct run_view { int tty, quiet, worker, workers; int64_t last_site; };

static void show_progress(void *ctx, const billing_summary_t *s, int64_t site_id, const char *site_name)
{
    struct run_view *v = ctx;
    if (!v->tty || v->quiet) return;
    if (v->workers > 1) {
        if (site_id != v->last_site)
            fprintf(stderr, "worker %d: site %lld %s\n", v->worker + 1, (long long)site_id, site_name ? site_name : "");
        v->last_site = site_id;
        return;
    }
    fprintf(stderr, "\rsite %lld %-24.24s  contracts %lld  periods charged %lld", (long long)site_id,
            site_name ? site_name : "", (long long)s->seen, (long long)s->charged);
    fflush(stderr);
}

/* What a worker process hands its parent through a pipe. */
struct worker_result { int rc; billing_summary_t sum; char err[512]; };

static void run_worker(const config_t *cfg, billing_opts_t o, struct worker_result *res)
{
    db_t *db = db_open(cfg, "billing", res->err, sizeof res->err);
    notice_t *notices = db ? notice_new(cfg, res->err, sizeof res->err) : NULL;
    res->rc = notices ? billing_run(db, notices, &o, &res->sum, res->err, sizeof res->err) : DB_ERR;
    notice_free(notices);
    db_close(db);
}

/* The run, in `jobs` processes of their own (each its own connection) that
 * take every jobs-th site: sites share no rows, so the run scales with
 * the database's cores.  A worker dies with the parent. */
static int run_workers(const config_t *cfg, billing_opts_t o, struct run_view *view, int jobs,
                       billing_summary_t *sum, char *err, size_t errlen)
{
    int fds[MAX_JOBS], started = 0, rc = DB_OK;
    pid_t pids[MAX_JOBS];
    *sum = (billing_summary_t){ 0 };
    fflush(NULL);
    for (; started < jobs; started++) {
        int p[2];
        if (pipe(p) != 0) break;
        pid_t pid = fork();
        if (pid < 0) { close(p[0]); close(p[1]); break; }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(p[0]);
            struct worker_result res = { 0 };
            view->worker = started;
            o.shard = started;
            o.nshards = jobs;
            run_worker(cfg, o, &res);
            ssize_t n = write(p[1], &res, sizeof res);
            _exit(n == (ssize_t)sizeof res ? 0 : 1);
        }
        close(p[1]);
        fds[started] = p[0];
        pids[started] = pid;
    }
    if (started < jobs) { snprintf(err, errlen, "could not start worker %d", started + 1); rc = DB_ERR; }
    for (int k = 0; k < started; k++) {
        struct worker_result res;
        size_t got = 0;
        ssize_t n;
        while (got < sizeof res && (n = read(fds[k], (char *)&res + got, sizeof res - got)) > 0) got += (size_t)n;
        close(fds[k]);
        waitpid(pids[k], NULL, 0);
        if (got != sizeof res) res = (struct worker_result){ .rc = DB_ERR, .err = "a worker died" };
        billing_summary_add(sum, &res.sum);
        if (res.rc != DB_OK && rc == DB_OK) { rc = res.rc; snprintf(err, errlen, "worker %d: %.400s", k + 1, res.err); }
    }
    return rc;
}

static void print_summary(const billing_summary_t *s)
{
    printf("billing: %lld sites, %lld contracts seen, %lld charged (%lld periods), %lld parked, %lld due notices,"
           " %lld overdue, %lld suspended, %lld resumed\n",
           (long long)s->sites, (long long)s->seen, (long long)s->contracts_charged, (long long)s->charged,
           (long long)s->parked, (long long)s->notices, (long long)s->overdue, (long long)s->suspended,
           (long long)s->resumed);
    for (int i = 0; i < s->ntotals; i++) {
        char amount[48];
        printf("  total %s %s\n", s->totals[i].currency,
               money_plain(s->totals[i].amount, s->totals[i].currency, amount, sizeof amount));
    }
    if (s->parked) puts("  parked contracts wait for an operator: see the contract page or `billing release`");
}

static int billing_cmd(db_t *db, const config_t *cfg, int argc, char **argv)
{
    static const struct option opts[] = { { "as-of", required_argument, 0, 'a' }, { "quiet", no_argument, 0, 'q' },
                                          { "reason", required_argument, 0, 'r' },
                                          { "site", required_argument, 0, 's' }, { "jobs", required_argument, 0, 'j' },
                                          { 0, 0, 0, 0 } };
    const char *as_of = NULL, *reason = NULL;
    long long site = 0, jobs = sysconf(_SC_NPROCESSORS_ONLN);
    char *end = NULL;
    struct run_view view = { .tty = isatty(2) };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a') as_of = optarg;
        else if (c == 'q') view.quiet = 1;
        else if (c == 'r') reason = optarg;
        else if (c == 's') {
            site = strtoll(optarg, &end, 10);
            if (site <= 0 || *end) { usage(); return 2; }
        } else if (c == 'j') {
            jobs = strtoll(optarg, &end, 10);
            if (jobs < 1 || jobs > MAX_JOBS || *end) { usage(); return 2; }
        }
        else { usage(); return 2; }
    }
    const char *what = optind < argc ? argv[optind] : "";
    if (!strcmp(what, "release")) {
        long long id = optind + 1 < argc ? strtoll(argv[optind + 1], &end, 10) : 0;
        const char *decision = optind + 2 < argc ? argv[optind + 2] : "";
        int charge = !strcmp(decision, "charge");
        if (id <= 0 || !end || *end || (!charge && strcmp(decision, "waive") != 0)) { usage(); return 2; }
        audit_actor_t who = { .type = "system", .name = "strongroomctl" };
        inv_error_t err = { 0 };
        int rc = billing_release(db, &who, id, charge, reason, as_of, &err);
        if (rc != DB_OK) {
            fprintf(stderr, "billing release: %s %s%s%s\n", err.field ? err.field : "", err.code ? err.code : "refused",
                    err.code ? "" : ": ", err.code ? "" : db_error(db));
            return 1;
        }
        printf("contract %lld: periods %s\n", id, charge ? "charged" : "waived");
        return 0;
    }
    if (strcmp(what, "run") != 0) { usage(); return 2; }
    char err[512];
    billing_summary_t sum;
    billing_opts_t o = { .as_of = as_of, .site_id = site, .progress = show_progress, .ctx = &view };
    if (site || jobs <= 1) {
        notice_t *notices = notice_new(cfg, err, sizeof err);
        if (!notices) { fprintf(stderr, "billing: notices: %s\n", err); return 1; }
        int rc = billing_run(db, notices, &o, &sum, err, sizeof err);
        notice_free(notices);
        if (view.tty && !view.quiet) fputc('\n', stderr);
        print_summary(&sum);
        if (rc != DB_OK) { fprintf(stderr, "billing: %s\n", err); return 1; }
        return 0;
    }
    view.workers = (int)(jobs > MAX_JOBS ? MAX_JOBS : jobs);
    int rc = run_workers(cfg, o, &view, view.workers, &sum, err, sizeof err);
    print_summary(&sum);
    if (rc != DB_OK) { fprintf(stderr, "billing: %s\n", err); return 1; }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-c")) { cfg_path = argv[i + 1]; i += 2; }
    if (i >= argc) { usage(); return 2; }
    const char *cmd = argv[i];
    char err[512];
    config_t *cfg = config_load(cfg_path, err, sizeof err);
    if (!cfg) { fprintf(stderr, "strongroomctl: %s\n", err); return 1; }
    log_init("strongroomctl", config_get(cfg, "Log.Level", "info"));
    if (secret_init() != 0) { fputs("libsodium failed to start\n", stderr); return 1; }
    /* The billing run works under its own least-privilege account. */
    int billing = !strcmp(cmd, "billing");
    db_t *db = db_open(cfg, billing ? "billing" : "ctl", err, sizeof err);
    if (!db) { fprintf(stderr, "strongroomctl: %s\n", err); return 1; }
    if (db_ping(db) != DB_OK) { fprintf(stderr, "strongroomctl: cannot reach the database: %s\n", db_error(db)); return 1; }
    int rc;
    if (!strcmp(cmd, "migrate")) rc = cmd_migrate(db, cfg);
    else if (!strcmp(cmd, "create-admin")) rc = cmd_create_admin(db, cfg, argc - i, argv + i);
    else if (!strcmp(cmd, "verify")) rc = cmd_verify(db);
    else if (billing) rc = billing_cmd(db, cfg, argc - i, argv + i);
    else { usage(); rc = 2; }
    db_close(db);
    config_free(cfg);
    return rc;
}
