/* fingerd: one fingerprint reader for one site (docs/fingerd.md).
 *
 * Two threads.  The main thread (front.c) serves the UNIX socket: it
 * parses requests, answers status, cancel and match at once, keeps the
 * match ids (matches.c) and hands one reader operation at a time to the
 * reader thread.  The reader thread (reader.c) owns everything of
 * libfprint and GLib: it runs GLib's default main context, the device,
 * the site's gallery of deserialised prints (gallery.c) and its own
 * database connection.  libfprint matches a probe against the gallery on
 * that context, one print after another; with the reader on its own
 * thread a long identify never holds up status, cancel or match.
 *
 * The front talks to the reader only through idle sources attached to
 * GLib's default context (so every libfprint call, cancellation included,
 * happens on the reader thread); the reader answers through a queue of
 * events and an eventfd the front polls.  The status snapshot is the one
 * other shared thing, under the reader's mutex. */
#ifndef SR_FINGERD_H
#define SR_FINGERD_H
#include <stdint.h>
#include <jansson.h>
#include "config.h"
#include "db.h"
#include "fpproto.h"
#include "secret.h"

#define FD_READER_NAME_MAX 64

typedef struct fd_settings {
    const config_t *cfg;
    char reader[FD_READER_NAME_MAX + 1];   /* Fingerd.Readers.<reader> */
    int64_t site;
    char socket[108];                      /* sun_path */
    char device[129];                      /* libfprint device id or driver; "" = the first found */
    int scan_timeout_s;
    int match_ttl_s;
    uint8_t key[SECRET_KEY_LEN];
} fd_settings_t;

/* settings.c: the reader's keys (reader NULL: the first configured). */
int  fd_settings_load(const config_t *cfg, const char *reader, fd_settings_t *s, char *err, size_t errlen);

/* A match a verify or identify made, kept for Fingerd.MatchTtlSec. */
typedef struct fd_match {
    char id[FPP_MATCH_ID_LEN + 1];
    int64_t customer, site, template_id;
    int finger;
    enum fpp_op kind;
    double made_ms;                        /* monotonic */
} fd_match_t;

#define FD_MATCHES_MAX 1024
typedef struct fd_matches {
    fd_match_t v[FD_MATCHES_MAX];          /* oldest first */
    int n;
} fd_matches_t;

/* matches.c */
void fd_matches_put(fd_matches_t *m, const fd_match_t *rec, double now_ms, double ttl_ms);
const fd_match_t *fd_matches_get(fd_matches_t *m, const char *id, double now_ms, double ttl_ms);
double fd_now_ms(void);

/* One line of a reader operation, handed from the reader to the front. */
typedef struct fd_event {
    uint64_t job;
    json_t *line;          /* without "id": the front adds the request's */
    int final;             /* the line with "ok": the operation is over */
    int matched;           /* a final match: match is to be kept */
    fd_match_t match;
    int stopped;           /* the reader thread has finished (fd_reader_stop) */
    struct fd_event *next;
} fd_event_t;

void fd_event_free(fd_event_t *e);

/* What status shows of the reader. */
typedef struct fd_reader_status {
    int open;                              /* a device is open */
    char id[129], driver[65], name[129];
    int stages;
    int prints, customers;                 /* the gallery as last loaded */
} fd_reader_status_t;

/* reader.c.  Start finds the devices and opens the chosen one before it
 * returns; the db handle passes to the reader thread for good. */
typedef struct fd_reader fd_reader_t;
fd_reader_t *fd_reader_start(const fd_settings_t *s, db_t *db, char *err, size_t errlen);
int          fd_reader_event_fd(const fd_reader_t *r);
fd_event_t  *fd_reader_take_events(fd_reader_t *r);   /* in order; the caller frees them */
void         fd_reader_run(fd_reader_t *r, uint64_t job, enum fpp_op op, int64_t customer, int finger);
/* Cancels job if it is still running; stopping says why in its final line. */
void         fd_reader_cancel(fd_reader_t *r, uint64_t job, int stopping);
void         fd_reader_forget_gallery(fd_reader_t *r);
void         fd_reader_status(fd_reader_t *r, fd_reader_status_t *out);
/* Asks the reader thread to close the device and end; an event with
 * stopped set follows.  fd_reader_free joins and frees. */
void         fd_reader_stop(fd_reader_t *r);
void         fd_reader_free(fd_reader_t *r);

/* front.c: serves until SIGTERM or SIGINT; 0 on a clean stop. */
int fd_front_serve(const fd_settings_t *s, fd_reader_t *reader, int listen_fd, int signal_fd);

#endif
