/* fingerd: one fingerprint reader for one site (docs/fingerd.md).
 *
 *   fingerd -c strongroom.hdf [-r READER]
 *
 * Start-up: Fingerd.Readers.<READER> and the site key are checked (a
 * wrong key stops the start and names it), the reader thread finds the
 * devices, opens the configured one and reads the site's gallery (a
 * database that is down only delays that to the first identify), then the
 * socket opens.  SIGHUP drops the gallery (read again at the next
 * identify).  SIGTERM or SIGINT: the operation in hand is cancelled (its
 * client is told), the device is closed, and fingerd exits 0. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <mysql.h>
#include <sodium.h>
#include "fingerd.h"
#include "stopsig.h"
#include "log.h"

#define STOP_READER_MS 10000

void fd_reader_route_glib_logs(void);   /* reader.c */

/* 1 when another fingerd answers on path: two processes on one reader
 * would fight over it.  A socket left by a crash answers nothing. */
static int socket_in_use(const struct sockaddr_un *sa)
{
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int used = probe >= 0 && connect(probe, (const struct sockaddr *)sa, sizeof *sa) == 0;
    if (probe >= 0) close(probe);
    return used;
}

static int listen_on(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    unlink(sa->sun_path);
    if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 || chmod(sa->sun_path, 0660) != 0 ||
        listen(fd, 64) != 0) {
        log_error("cannot listen on %s: %s", sa->sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Waits for the reader thread's last event; 0 when it came. */
static int wait_reader(fd_reader_t *r)
{
    double deadline = fd_now_ms() + STOP_READER_MS;
    int gone = 0;
    while (!gone && fd_now_ms() < deadline) {
        struct pollfd p = { fd_reader_event_fd(r), POLLIN, 0 };
        if (poll(&p, 1, 200) <= 0) continue;
        for (fd_event_t *e = fd_reader_take_events(r); e;) {
            fd_event_t *next = e->next;
            gone |= e->stopped;
            fd_event_free(e);
            e = next;
        }
    }
    return gone ? 0 : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: fingerd -c CONFIG [-r READER]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "reader", required_argument, NULL, 'r' },
        { NULL, 0, NULL, 0 },
    };
    const char *cfg_path = NULL, *reader_name = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:r:", longopts, NULL)) != -1) {
        if (opt == 'c') cfg_path = optarg;
        else if (opt == 'r') reader_name = optarg;
        else return usage();
    }
    if (optind < argc) return usage();
    char err[512];
    config_t *cfg = config_load(cfg_path, err, sizeof err);
    if (!cfg) { fprintf(stderr, "fingerd: %s\n", err); return 1; }
    log_init("fingerd", config_get(cfg, "Log.Level", "info"));
    fd_reader_route_glib_logs();
    static fd_settings_t s;
    if (secret_init() != 0 || mysql_library_init(0, NULL, NULL) != 0) { log_error("library start-up failed"); return 1; }
    if (fd_settings_load(cfg, reader_name, &s, err, sizeof err) != 0) {
        log_error("not starting: %s", err);
        config_free(cfg);
        return 1;
    }

    /* Before any thread starts, so GLib's threads inherit the mask too. */
    int sfd = stopsig_fd();

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, s.socket, strlen(s.socket) + 1);
    if (socket_in_use(&sa)) {
        log_error("not starting: another fingerd answers on %s", s.socket);
        config_free(cfg);
        return 1;
    }
    db_t *db = db_open(cfg, "fingerd", err, sizeof err);
    if (!db || sfd < 0) { log_error("not starting: %s", db ? "no signal descriptor" : err); return 1; }
    fd_reader_t *reader = fd_reader_start(&s, db, err, sizeof err);
    if (!reader) { log_error("not starting: %s", err); db_close(db); return 1; }

    int lfd = listen_on(&sa);
    int rc = 1;
    if (lfd >= 0) {
        log_info("reader %s of site %lld listening on %s", s.reader, (long long)s.site, s.socket);
        rc = fd_front_serve(&s, reader, lfd, sfd) == 0 ? 0 : 1;
        close(lfd);
        unlink(s.socket);
    }
    fd_reader_stop(reader);
    if (wait_reader(reader) == 0) {
        fd_reader_free(reader);
        log_info("stopped");
    } else {
        /* libfprint did not let go of the device: leave the thread behind. */
        log_warn("the reader thread did not stop within %d s", STOP_READER_MS / 1000);
    }
    close(sfd);
    config_free(cfg);
    sodium_memzero(s.key, sizeof s.key);
    return rc;
}
