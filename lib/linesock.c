#include "linesock.h"
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int say(char *err, size_t errlen, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int status, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

int64_t linesock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left(int64_t deadline)
{
    int64_t l = deadline - linesock_now_ms();
    return l > 0 ? (l > 0x7fffffff ? 0x7fffffff : (int)l) : 0;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int n = poll(&p, 1, left(deadline));
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : n > 0;
    }
}

int linesock_wait(const linesock_t *s, int64_t deadline)
{
    if (s->len > s->taken && memchr(s->buf + s->taken, '\n', s->len - s->taken)) return 1;
    return wait_fd(s->fd, POLLIN, deadline);
}

int linesock_wait_watch(const linesock_t *s, int other_fd, int64_t deadline)
{
    if (s->len > s->taken && memchr(s->buf + s->taken, '\n', s->len - s->taken)) return 1;
    for (;;) {
        struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = other_fd, .events = POLLRDHUP } };
        int n = poll(p, 2, left(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return LINESOCK_WATCH_GONE;
        return n > 0;
    }
}

int linesock_connect(linesock_t *s, const char *peer, const char *path, size_t max_line, int64_t deadline,
                     char *err, size_t errlen)
{
    *s = (linesock_t){ .fd = -1, .peer = peer, .max_line = max_line };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) return say(err, errlen, -1, "%s's socket path is too long", peer);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return say(err, errlen, -1, "socket: %s", strerror(errno));
    for (;;) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) { s->fd = fd; return 0; }
        /* A full listen queue: the daemon is there but busy; try again shortly. */
        if (errno == EAGAIN && left(deadline) > 0) { poll(NULL, 0, 5); continue; }
        if (errno == EINTR) continue;
        if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1) {
            int e = 0;
            socklen_t el = sizeof e;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0) { s->fd = fd; return 0; }
            errno = e ? e : ETIMEDOUT;
        }
        int e = errno == EAGAIN || errno == EINPROGRESS ? ETIMEDOUT : errno;
        close(fd);
        return say(err, errlen, -1, "%s is not reachable at %s: %s", peer, path, strerror(e));
    }
}

int linesock_send(linesock_t *s, const char *buf, size_t len, int64_t deadline, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(s->fd, buf + done, len - done, MSG_NOSIGNAL);
        if (n > 0) { done += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (wait_fd(s->fd, POLLOUT, deadline) == 1) continue;
            return say(err, errlen, -1, "%s did not take the request in time", s->peer);
        }
        return say(err, errlen, -1, "%s did not take the request: %s", s->peer, n < 0 ? strerror(errno) : "closed");
    }
    return 0;
}

int linesock_read(linesock_t *s, int64_t deadline, char **line, size_t *len, char *err, size_t errlen)
{
    if (s->taken) {
        memmove(s->buf, s->buf + s->taken, s->len - s->taken);
        s->len -= s->taken;
        s->taken = 0;
    }
    for (;;) {
        char *nl = s->len ? memchr(s->buf, '\n', s->len) : NULL;
        if (nl) {
            *nl = '\0';
            *line = s->buf;
            *len = (size_t)(nl - s->buf);
            s->taken = *len + 1;
            return LINESOCK_LINE;
        }
        if (s->len + 1 >= s->cap) {
            if (s->cap > s->max_line) return say(err, errlen, LINESOCK_TOO_LONG, "%s's reply is too long", s->peer);
            size_t cap = s->cap ? s->cap * 2 : 4096;
            char *bigger = realloc(s->buf, cap);
            if (!bigger) return say(err, errlen, LINESOCK_CLOSED, "out of memory");
            s->buf = bigger;
            s->cap = cap;
        }
        ssize_t got = recv(s->fd, s->buf + s->len, s->cap - s->len - 1, 0);
        if (got > 0) { s->len += (size_t)got; continue; }
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == EAGAIN) {
            if (wait_fd(s->fd, POLLIN, deadline) == 1) continue;
            return say(err, errlen, LINESOCK_TIMEOUT, "%s did not answer in time", s->peer);
        }
        return say(err, errlen, LINESOCK_CLOSED, "%s closed the connection without a reply%s%s", s->peer,
                   got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
    }
}

void linesock_close(linesock_t *s)
{
    if (s->fd >= 0) close(s->fd);
    free(s->buf);
    *s = (linesock_t){ .fd = -1 };
}

int linesock_queue_line(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 1024;
        while (c < *len + n + 1) c *= 2;
        char *p = realloc(*buf, c);
        if (!p) return -1;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, text, n);
    (*buf)[*len + n] = '\n';
    *len += n + 1;
    return 0;
}
