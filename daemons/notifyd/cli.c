/* The operator's hand on the queue, through the same library calls the
 * programs use:
 *
 *   notifyd -c CFG put < message.json     puts one message (a test message after set-up)
 *   notifyd -c CFG resend ID [REASON]     a failed or unknown message goes again
 *   notifyd -c CFG cancel ID [REASON]     a message not sent yet is never sent
 *   notifyd -c CFG schedule < job.json    schedules a job
 *   notifyd -c CFG unschedule KEY         cancels a pending job
 *
 * message.json: {"channel", "recipient", "text", "subject", "html", "kind"
 * (default "test"), "key" (default a fresh one), "language", "site_id",
 * "customer_id", "essential", "max_attempts", "not_before"}.
 * job.json: {"key", "kind", "run_at", "payload" (an object), "site_id"}. */
#include "notifyd.h"
#include "audit.h"
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static json_t *read_stdin(void)
{
    json_error_t e;
    json_t *j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &e);
    if (!j) fprintf(stderr, "notifyd: the input is not JSON: %s (line %d)\n", e.text, e.line);
    else if (!json_is_object(j)) { fprintf(stderr, "notifyd: the input must be a JSON object\n"); json_decref(j); j = NULL; }
    return j;
}

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static int put(db_t *db)
{
    json_t *j = read_stdin();
    if (!j) return 2;
    char key[64];
    snprintf(key, sizeof key, "cli:%lld:%d", (long long)time(NULL), (int)getpid());
    outbox_msg_t m = {
        .site_id = json_integer_value(json_object_get(j, "site_id")),
        .customer_id = json_integer_value(json_object_get(j, "customer_id")),
        .dedupe_key = str(j, "key") ? str(j, "key") : key,
        .kind = str(j, "kind") ? str(j, "kind") : "test",
        .essential = json_is_true(json_object_get(j, "essential")),
        .channel = str(j, "channel"), .recipient = str(j, "recipient"), .language = str(j, "language"),
        .subject = str(j, "subject"), .body_text = str(j, "text"), .body_html = str(j, "html"),
        .max_attempts = (int)json_integer_value(json_object_get(j, "max_attempts")),
        .not_before = str(j, "not_before"),
    };
    char err[200];
    int64_t id = 0;
    int rc = DB_ERR;
    if (outbox_check(&m, err, sizeof err) != 0) fprintf(stderr, "notifyd: not put: %s\n", err);
    else if ((rc = outbox_put(db, &m, &id)) == DB_OK || rc == 1) printf("%lld %s\n", (long long)id, rc == 1 ? "duplicate" : "new");
    else fprintf(stderr, "notifyd: not put: %s\n", db_error(db));
    json_decref(j);
    return rc == DB_OK || rc == 1 ? 0 : 1;
}

static int operate(db_t *db, int resend, const char *id_text, const char *reason)
{
    char *end;
    long long id = strtoll(id_text, &end, 10);
    if (*end || id <= 0) { fprintf(stderr, "notifyd: %s is not a message id\n", id_text); return 2; }
    const struct passwd *pw = getpwuid(getuid());
    char name[64];
    snprintf(name, sizeof name, "notifyd %s (%.30s)", resend ? "resend" : "cancel", pw ? pw->pw_name : "?");
    audit_actor_t who = { .type = "system", .name = name, .ip = "" };
    int rc = resend ? outbox_resend(db, &who, id, reason) : outbox_cancel(db, &who, id, reason);
    if (rc == DB_OK) { printf("message %lld %s\n", id, resend ? "goes out again" : "cancelled"); return 0; }
    if (rc == 1) {
        fprintf(stderr, "notifyd: message %lld %s\n", id, resend ? "is not failed or unknown, so it is not resent"
                                                              : "is not pending, failed or unknown, so it is not cancelled");
        return 1;
    }
    fprintf(stderr, "notifyd: %s\n", db_error(db));
    return 1;
}

static int schedule(db_t *db)
{
    json_t *j = read_stdin();
    if (!j) return 2;
    json_t *payload = json_object_get(j, "payload");
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    int rc = schedule_put(db, json_integer_value(json_object_get(j, "site_id")), str(j, "key"), str(j, "kind"),
                          text, str(j, "run_at"));
    free(text);
    json_decref(j);
    if (rc == DB_OK || rc == 1) { printf("%s\n", rc == 1 ? "scheduled before" : "scheduled"); return 0; }
    fprintf(stderr, "notifyd: not scheduled (see the log line above for why): %s\n", db_error(db));
    return 1;
}

int nd_cli(db_t *db, int argc, char **argv)
{
    const char *cmd = argv[0];
    if (!strcmp(cmd, "put") && argc == 1) return put(db);
    if ((!strcmp(cmd, "resend") || !strcmp(cmd, "cancel")) && (argc == 2 || argc == 3))
        return operate(db, !strcmp(cmd, "resend"), argv[1], argc == 3 ? argv[2] : NULL);
    if (!strcmp(cmd, "schedule") && argc == 1) return schedule(db);
    if (!strcmp(cmd, "unschedule") && argc == 2) {
        int rc = schedule_cancel(db, argv[1]);
        if (rc == DB_OK) { printf("cancelled\n"); return 0; }
        fprintf(stderr, "notifyd: %s\n", rc == 1 ? "no pending job has that key" : db_error(db));
        return 1;
    }
    fprintf(stderr, "usage: notifyd -c CONFIG [put | resend ID [REASON] | cancel ID [REASON] | schedule |"
                    " unschedule KEY]\n");
    return 2;
}
