/* The control socket's plumbing (sockets, lines, buffers); the ops
 * themselves are in ops.c.  Every socket is non-blocking: a slow or
 * stuck client must never hold up the bus. */
#include "control.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"

int control_open(control_t *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < CONTROL_CLIENTS; i++) c->clients[i].fd = -1;
    c->fd = -1;
    /* Bound under a temporary name and renamed into place once listening:
     * whoever waits for the path to appear can connect straight away. */
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if (len + 4 >= sizeof sa.sun_path) {
        snprintf(err, errlen, "%s: path too long for a socket", path);
        return -1;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s.tmp", path);
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    unlink(sa.sun_path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* rename() replaces a socket left by a simulator that did not exit cleanly. */
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof sa) || listen(c->fd, 16) ||
        rename(sa.sun_path, path)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (c->fd >= 0) close(c->fd);
        unlink(sa.sun_path);
        c->fd = -1;
        return -1;
    }
    memcpy(c->path, path, len + 1);
    return 0;
}

static void drop(control_client_t *cl)
{
    close(cl->fd);
    free(cl->in);
    free(cl->out);
    memset(cl, 0, sizeof *cl);
    cl->fd = -1;
}

void control_close(control_t *c)
{
    for (size_t i = 0; i < CONTROL_CLIENTS; i++)
        if (c->clients[i].fd >= 0) drop(&c->clients[i]);
    if (c->fd >= 0) {
        close(c->fd);
        unlink(c->path);
    }
    c->fd = -1;
}

size_t control_pollfds(control_t *c, struct pollfd *pfd, int64_t now)
{
    size_t n = 0;
    if (c->accept_at && now >= c->accept_at) c->accept_at = 0;
    /* poll() skips an entry whose fd is negative: the listening socket is
     * left out while accepting is paused, but keeps its place at pfd[0]. */
    pfd[n++] = (struct pollfd){ .fd = c->accept_at ? -1 : c->fd, .events = POLLIN };
    for (size_t i = 0; i < CONTROL_CLIENTS; i++) {
        const control_client_t *cl = &c->clients[i];
        if (cl->fd < 0) continue;
        short ev = (short)((cl->eof ? 0 : POLLIN) | (cl->outlen ? POLLOUT : 0));
        pfd[n++] = (struct pollfd){ .fd = cl->fd, .events = ev };
    }
    return n;
}

int64_t control_next_due(const control_t *c)
{
    return c->accept_at;
}

/* Sends what the client will take now.  Returns -1 when it is gone. */
static int flush_out(control_client_t *cl)
{
    size_t sent = 0;
    while (sent < cl->outlen) {
        ssize_t n = send(cl->fd, cl->out + sent, cl->outlen - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return -1;
        sent += (size_t)n;
    }
    memmove(cl->out, cl->out + sent, cl->outlen - sent);
    cl->outlen -= sent;
    return 0;
}

/* Queues one reply line.  Returns -1 when the client has let too much
 * pile up (or memory ran out): it is to be dropped. */
static int reply(control_client_t *cl, const char *text)
{
    if (!text) return -1;
    size_t len = strlen(text);
    if (cl->outlen + len + 1 > CONTROL_OUT_MAX) return -1;
    if (cl->outlen + len + 1 > cl->outcap) {
        size_t cap = (cl->outlen + len + 1) * 2;
        char *out = realloc(cl->out, cap);
        if (!out) return -1;
        cl->out = out;
        cl->outcap = cap;
    }
    memcpy(cl->out + cl->outlen, text, len);
    cl->out[cl->outlen + len] = '\n';
    cl->outlen += len + 1;
    return 0;
}

/* Answers every whole line in the client's buffer.  Returns -1 when the
 * client is to be dropped. */
static int run_lines(control_client_t *cl, sim_t *s, int64_t now)
{
    size_t start = 0;
    char *nl;
    while ((nl = memchr(cl->in + start, '\n', cl->inlen - start))) {
        size_t len = (size_t)(nl - (cl->in + start));
        const char *line = cl->in + start;
        start += len + 1;
        if (cl->overlong) {          /* the tail of a line already refused */
            cl->overlong = false;
            continue;
        }
        if (len && line[len - 1] == '\r') len--;
        if (len == 0) continue;
        char *text = ops_run(s, line, len, now);
        int rc = reply(cl, text);
        free(text);
        if (rc) return -1;
    }
    memmove(cl->in, cl->in + start, cl->inlen - start);
    cl->inlen -= start;
    /* A full buffer without a newline holds more than CONTROL_LINE_MAX
     * bytes of one line (the buffer has room for the newline too). */
    if (cl->inlen == CONTROL_IN_SIZE) {
        cl->inlen = 0;
        if (!cl->overlong) {
            cl->overlong = true;
            char msg[96];
            snprintf(msg, sizeof msg, "{\"ok\":false,\"error\":\"line longer than %d bytes\"}",
                     CONTROL_LINE_MAX);
            if (reply(cl, msg)) return -1;
        }
    }
    return 0;
}

/* Reads all the client has sent and answers it.  Returns -1 when the
 * client is to be dropped. */
static int read_in(control_client_t *cl, sim_t *s, int64_t now)
{
    for (;;) {
        ssize_t n = read(cl->fd, cl->in + cl->inlen, CONTROL_IN_SIZE - cl->inlen);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        if (n == 0) {
            cl->eof = true;  /* a last line without a newline is not a request */
            return 0;
        }
        cl->inlen += (size_t)n;
        if (run_lines(cl, s, now)) return -1;
    }
}

static void accept_clients(control_t *c, int64_t now)
{
    for (;;) {
        int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;  /* gone already */
        if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            /* Out of descriptors (EMFILE, ENFILE) or memory: the connection
             * stays queued, so the socket stays readable and poll() would
             * return at once forever.  Leave it alone until a client goes
             * or CONTROL_ACCEPT_RETRY_MS have passed. */
            log_warn("control socket: cannot accept a client: %s", strerror(errno));
            c->accept_at = now + CONTROL_ACCEPT_RETRY_MS;
        }
        if (fd < 0) return;
        control_client_t *cl = NULL;
        for (size_t i = 0; i < CONTROL_CLIENTS && !cl; i++)
            if (c->clients[i].fd < 0) cl = &c->clients[i];
        char *in = cl ? malloc(CONTROL_IN_SIZE) : NULL;
        if (!in) {
            static const char busy[] = "{\"ok\":false,\"error\":\"too many control clients\"}\n";
            if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) { /* gone */ }
            close(fd);
            continue;
        }
        memset(cl, 0, sizeof *cl);
        cl->fd = fd;
        cl->in = in;
    }
}

void control_handle(control_t *c, const struct pollfd *pfd, size_t n, sim_t *s, int64_t now)
{
    for (size_t i = 1; i < n; i++) {
        control_client_t *cl = NULL;
        for (size_t k = 0; k < CONTROL_CLIENTS && !cl; k++)
            if (c->clients[k].fd == pfd[i].fd) cl = &c->clients[k];
        if (!cl || !pfd[i].revents) continue;
        int rc = 0;
        if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) rc = read_in(cl, s, now);
        if (rc == 0) rc = flush_out(cl);
        if (rc || (cl->eof && cl->outlen == 0)) {
            drop(cl);
            c->accept_at = 0;    /* a descriptor is free again: try at once */
        }
    }
    if (pfd[0].revents & POLLIN) accept_clients(c, now);
}
