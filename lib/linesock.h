/* The client's end of a daemon's UNIX socket where each message is one
 * line (boardd and fingerd speak one JSON object per line).  Connecting,
 * sending and reading lines, each bounded by a deadline; messages name the
 * peer ("boardd is not reachable at ...") so callers can show them. */
#ifndef SR_LINESOCK_H
#define SR_LINESOCK_H
#include <stddef.h>
#include <stdint.h>

enum linesock_read_status {
    LINESOCK_LINE = 0,
    LINESOCK_TIMEOUT = -1,     /* no whole line by the deadline */
    LINESOCK_CLOSED = -2,      /* the peer hung up (or the read failed) first */
    LINESOCK_TOO_LONG = -3,    /* a line longer than the limit */
};

typedef struct linesock {
    int fd;
    const char *peer;          /* "boardd", "fingerd" */
    size_t max_line;
    char *buf;                 /* bytes read and not yet handed out */
    size_t len, cap, taken;    /* taken: the line handed out last, dropped at the next read */
} linesock_t;

int64_t linesock_now_ms(void);   /* CLOCK_MONOTONIC */

/* 0, or -1 with err saying "<peer> is not reachable at <path>: <why>". */
int  linesock_connect(linesock_t *s, const char *peer, const char *path, size_t max_line, int64_t deadline,
                      char *err, size_t errlen);
/* Sends all of buf: 0, or -1 with err ("<peer> did not take the request ..."). */
int  linesock_send(linesock_t *s, const char *buf, size_t len, int64_t deadline, char *err, size_t errlen);
/* The next line, without its newline, NUL-terminated in *line (valid until
 * the next call); or a linesock_read_status with err said. */
int  linesock_read(linesock_t *s, int64_t deadline, char **line, size_t *len, char *err, size_t errlen);
/* Waits until the socket can be read or the deadline: 1, 0 timed out, -1. */
int  linesock_wait(const linesock_t *s, int64_t deadline);
/* linesock_wait that also watches other_fd, the connection of whoever the
 * caller works for: LINESOCK_WATCH_GONE as soon as its peer hangs up (data
 * waiting on it does not count), so a daemon's slow operation is not kept
 * going for a client that has left. */
#define LINESOCK_WATCH_GONE 2
int  linesock_wait_watch(const linesock_t *s, int other_fd, int64_t deadline);
void linesock_close(linesock_t *s);

/* The daemon's side: appends text and its newline to a connection's
 * output buffer (*buf of *len bytes in *cap, grown as needed), to be
 * written when the socket takes it.  0, or -1 (out of memory: the
 * connection is to be dropped). */
int  linesock_queue_line(char **buf, size_t *len, size_t *cap, const char *text, size_t n);

#endif
