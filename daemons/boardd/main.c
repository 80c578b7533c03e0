/* boardd: the lock-control boards of every site (docs/boards.md).
 *
 *   boardd -c strongroom.hdf [-s socket]
 *
 * Start-up: every command left 'firing' by a crash becomes 'unknown' and
 * every one left 'queued' becomes 'expired' (neither is ever fired again);
 * then one thread per enabled bus opens its device, switches relays off
 * and polls.  SIGHUP or {"op":"reload"} rereads the wiring; SIGTERM stops. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <mysql.h>
#include <sodium.h>
#include "boardc.h"
#include "log.h"
#include "stopsig.h"
#include "server.h"

static int cell_cmp(const void *a, const void *b)
{
    int64_t x = ((const bd_cell_t *)a)->cell_id, y = ((const bd_cell_t *)b)->cell_id;
    return (x > y) - (x < y);
}

const bd_cell_t *bd_server_cell(const bd_server_t *s, int64_t cell_id)
{
    bd_cell_t key = { .cell_id = cell_id };
    return s->ncells ? bsearch(&key, s->cells, (size_t)s->ncells, sizeof key, cell_cmp) : NULL;
}

static int build_cells(bd_server_t *s)
{
    int n = 0;
    for (int i = 0; i < s->nbuses; i++)
        for (int k = 0; k < s->buses[i]->nboards; k++) n += s->buses[i]->boards[k].channels;
    bd_cell_t *cells = calloc((size_t)n + 1, sizeof *cells);
    if (!cells) return -1;
    n = 0;
    for (int i = 0; i < s->nbuses; i++)
        for (int k = 0; k < s->buses[i]->nboards; k++) {
            const bd_board_t *b = &s->buses[i]->boards[k];
            for (int c = 0; c < b->channels; c++)
                if (b->locks[c].cell_id) cells[n++] = (bd_cell_t){ b->locks[c].cell_id, s->buses[i], k, c + 1 };
        }
    qsort(cells, (size_t)n, sizeof *cells, cell_cmp);
    free(s->cells);
    s->cells = cells;
    s->ncells = n;
    return 0;
}

/* A bus whose settings and wiring are unchanged keeps running; a changed
 * one is replaced by a new thread that first waits for the old one to
 * finish its queue; a removed one finishes its queue and goes. */
int bd_server_reload(bd_server_t *s, char *err, size_t errlen)
{
    bd_bus_t **fresh;
    int n;
    if (bd_wiring_load(s->d, s->db, &fresh, &n, err, errlen) != 0) return -1;
    int *kept = calloc((size_t)s->nbuses + 1, sizeof *kept);
    if (!kept) { for (int i = 0; i < n; i++) bd_bus_free(fresh[i]); free(fresh); snprintf(err, errlen, "out of memory"); return -1; }
    for (int i = 0; i < n; i++) {
        bd_bus_t *nb = fresh[i];
        for (int j = 0; j < s->nbuses; j++) {
            bd_bus_t *old = s->buses[j];
            if (kept[j]) continue;
            if (old->id == nb->id && !memcmp(old->signature, nb->signature, sizeof nb->signature)) {
                bd_bus_free(nb);
                fresh[i] = nb = old;
                kept[j] = 1;
                break;
            }
            if (old->id == nb->id || !strcmp(old->device, nb->device)) {
                bd_bus_retire(old);
                nb->predecessor = old;
                kept[j] = 2;
                break;
            }
        }
        if (nb->started) continue;
        if (bd_bus_start(nb) != 0) log_error("cannot start a thread for bus %s", nb->name);
    }
    for (int j = 0; j < s->nbuses; j++) {
        if (kept[j]) continue;
        bd_bus_retire(s->buses[j]);
        s->buses[j]->next_retired = s->retired;
        s->retired = s->buses[j];
    }
    free(kept);
    free(s->buses);
    s->buses = fresh;
    s->nbuses = n;
    if (build_cells(s) != 0) { snprintf(err, errlen, "out of memory"); return -1; }
    log_info("%d buses, %d wired cells", s->nbuses, s->ncells);
    return 0;
}

static void reap_retired(bd_server_t *s)
{
    bd_bus_t **pp = &s->retired;
    while (*pp) {
        bd_bus_t *b = *pp;
        pthread_mutex_lock(&b->mu);
        int exited = b->exited || !b->started;
        pthread_mutex_unlock(&b->mu);
        if (!exited) { pp = &b->next_retired; continue; }
        *pp = b->next_retired;
        if (b->started) pthread_join(b->thread, NULL);
        bd_bus_free(b);
    }
}

static int sweep(db_t *db)
{
    long unknown = db_exec(db, "UPDATE door_commands SET state = 'unknown', finished_at = UTC_TIMESTAMP(6),"
                               " detail = 'boardd stopped between sending the frame and storing the result;"
                               " not fired again' WHERE state = 'firing'", "");
    long expired = db_exec(db, "UPDATE door_commands SET state = 'expired', finished_at = UTC_TIMESTAMP(6),"
                               " detail = 'boardd stopped before it was fired; nothing was sent'"
                               " WHERE state = 'queued'", "");
    if (unknown < 0 || expired < 0) return -1;
    if (unknown || expired)
        log_warn("after a stop: %ld commands caught in flight are unknown, %ld queued ones expired",
                 unknown, expired);
    return 0;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if (len >= sizeof sa.sun_path) { log_error("socket path too long: %s", path); return -1; }
    memcpy(sa.sun_path, path, len + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, 0660) != 0 || listen(fd, 64) != 0) {
        log_error("cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void accept_clients(bd_server_t *s, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        bd_client_t *c = NULL;
        for (int i = 0; i < BD_MAX_CLIENTS && !c; i++) if (s->clients[i].fd < 0) c = &s->clients[i];
        if (!c) {
            static const char busy[] = "{\"ok\":false,\"error\":\"busy\",\"message\":\"too many connections\"}\n";
            if (write(fd, busy, sizeof busy - 1) < 0) {}
            close(fd);
            continue;
        }
        c->fd = fd;
        c->serial = ++s->next_serial;
        c->busy = c->closing = 0;
        c->inlen = c->outlen = 0;
    }
}

static void drop_client(bd_client_t *c)
{
    close(c->fd);
    c->fd = -1;
    c->serial = 0;
    c->outlen = 0;
}

static bd_client_t *client_of(bd_server_t *s, uint64_t serial)
{
    for (int i = 0; i < BD_MAX_CLIENTS; i++) if (s->clients[i].fd >= 0 && s->clients[i].serial == serial) return &s->clients[i];
    return NULL;
}

static void deliver_done(bd_server_t *s)
{
    uint64_t v;
    if (read(s->d->done_fd, &v, sizeof v) < 0 && errno != EAGAIN) log_error("eventfd: %s", strerror(errno));
    pthread_mutex_lock(&s->d->done_mu);
    bd_job_t *j = s->d->done_head;
    s->d->done_head = s->d->done_tail = NULL;
    pthread_mutex_unlock(&s->d->done_mu);
    while (j) {
        bd_job_t *next = j->next;
        bd_client_t *c = client_of(s, j->client);
        if (c) {                       /* a caller that hung up gets nothing: the row has it */
            bd_reply_job(c, j);
            c->busy = 0;
            bd_client_pump(s, c);
        }
        json_decref(j->result);
        free(j);
        j = next;
    }
}

static int serve(bd_server_t *s, int lfd, int sfd)
{
    struct pollfd pfd[BD_MAX_CLIENTS + 3];
    bd_client_t *of[BD_MAX_CLIENTS + 3];
    while (!s->d->stop) {
        int n = 0;
        pfd[n++] = (struct pollfd){ lfd, POLLIN, 0 };
        pfd[n++] = (struct pollfd){ s->d->done_fd, POLLIN, 0 };
        pfd[n++] = (struct pollfd){ sfd, POLLIN, 0 };
        for (int i = 0; i < BD_MAX_CLIENTS; i++) {
            bd_client_t *c = &s->clients[i];
            if (c->fd < 0) continue;
            short ev = (short)((c->busy || c->closing ? 0 : POLLIN) | (c->outlen ? POLLOUT : 0));
            of[n] = c;
            pfd[n++] = (struct pollfd){ c->fd, ev, 0 };
        }
        if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR) { log_error("poll: %s", strerror(errno)); return -1; }
        if (pfd[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    char err[256];
                    if (bd_server_reload(s, err, sizeof err) != 0) log_error("reload: %s", err);
                } else {
                    s->d->stop = 1;
                }
            }
        }
        if (pfd[1].revents & POLLIN) deliver_done(s);
        for (int i = 3; i < n; i++) {
            bd_client_t *c = of[i];
            if (c->fd < 0 || c->fd != pfd[i].fd) continue;
            int dead = 0;
            if (pfd[i].revents & POLLIN) { dead = bd_client_read(c) != 0; if (!dead) bd_client_pump(s, c); }
            else if (pfd[i].revents & (POLLHUP | POLLERR)) dead = 1;
            if (!dead && c->outlen) dead = bd_client_flush(c) != 0;
            if (dead || (c->closing && !c->outlen)) drop_client(c);
        }
        if (pfd[0].revents & POLLIN) accept_clients(s, lfd);
        reap_retired(s);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *sock_path = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "c:s:")) != -1) {
        if (opt == 'c') cfg_path = optarg;
        else if (opt == 's') sock_path = optarg;
        else { fprintf(stderr, "usage: boardd -c CONFIG [-s SOCKET]\n"); return 2; }
    }
    char err[512];
    config_t *cfg = config_load(cfg_path, err, sizeof err);
    if (!cfg) { fprintf(stderr, "boardd: %s\n", err); return 1; }
    log_init("boardd", config_get(cfg, "Log.Level", "info"));
    if (sodium_init() < 0 || mysql_library_init(0, NULL, NULL) != 0) { log_error("library start-up failed"); return 1; }

    static boardd_t d;
    d.cfg = cfg;
    snprintf(d.var, sizeof d.var, "%s", config_get(cfg, "Paths.Var", "."));
    pthread_mutex_init(&d.done_mu, NULL);
    d.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

    int sfd = stopsig_fd();

    static bd_server_t s;
    s.d = &d;
    for (int i = 0; i < BD_MAX_CLIENTS; i++) s.clients[i].fd = -1;
    if (!(s.db = db_open(cfg, "boardd", err, sizeof err))) { log_error("%s", err); return 1; }
    while (db_ping(s.db) != DB_OK || sweep(s.db) != 0) {
        log_warn("waiting for the database: %s", db_error(s.db));
        sleep(1);
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGHUP) return 0;
    }
    if (bd_server_reload(&s, err, sizeof err) != 0) { log_error("%s", err); return 1; }

    /* The same path the programs connect to (lib/boardc). */
    char configured[512];
    if (!sock_path) {
        if (boardc_socket_path(cfg, configured, sizeof configured) != 0) { log_error("Boardd.Socket is too long"); return 1; }
        sock_path = configured;
    }
    int lfd = listen_on(sock_path);
    if (lfd < 0 || d.done_fd < 0 || sfd < 0) return 1;
    log_info("listening on %s", sock_path);
    int rc = serve(&s, lfd, sfd);

    log_info("stopping");
    d.stop = 1;
    for (int i = 0; i < s.nbuses; i++) bd_bus_retire(s.buses[i]);
    for (int i = 0; i < s.nbuses; i++) {
        if (s.buses[i]->started) pthread_join(s.buses[i]->thread, NULL);
        bd_bus_free(s.buses[i]);
    }
    while (s.retired) { s.retired->exited = 1; reap_retired(&s); }
    unlink(sock_path);
    close(lfd);
    for (int i = 0; i < BD_MAX_CLIENTS; i++) { if (s.clients[i].fd >= 0) close(s.clients[i].fd); free(s.clients[i].out); }
    free(s.buses);
    free(s.cells);
    db_close(s.db);
    config_free(cfg);
    return rc;
}
