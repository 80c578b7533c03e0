/* boardsim's control socket: a UNIX stream socket taking any number of
 * clients (up to CONTROL_CLIENTS at once), each sending JSON lines that
 * ops.c answers, one reply line per request, in order. */
#ifndef BOARDSIM_CONTROL_H
#define BOARDSIM_CONTROL_H
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "sim.h"

#define CONTROL_CLIENTS  16
#define CONTROL_LINE_MAX 16384          /* longer request lines are refused */
#define CONTROL_IN_SIZE  (CONTROL_LINE_MAX + 1)   /* a longest line and its newline */
#define CONTROL_ACCEPT_RETRY_MS 1000    /* after accept() ran out of descriptors */
#define CONTROL_OUT_MAX  (16u << 20)    /* a client that reads nothing is dropped */

typedef struct control_client {
    int fd;                      /* -1: slot free */
    bool eof;                    /* the client is done sending; close once answered */
    bool overlong;               /* skipping the rest of a line that was too long */
    size_t inlen;
    char *in;                    /* CONTROL_IN_SIZE bytes */
    size_t outlen, outcap;
    char *out;
} control_client_t;

typedef struct control {
    int fd;                      /* the listening socket */
    int64_t accept_at;           /* accepting is paused until then, or until a
                                  * client goes; 0 = not paused */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    control_client_t clients[CONTROL_CLIENTS];
} control_t;

/* Listens on path, replacing a stale socket there.  Returns 0, or -1
 * with a message. */
int control_open(control_t *c, const char *path, char *err, size_t errlen);
/* Drops every client, closes and removes the socket. */
void control_close(control_t *c);

/* Fills pfd (room for 1 + CONTROL_CLIENTS) with what to poll; returns
 * how many.  Ends a pause in accepting that is over by now. */
size_t control_pollfds(control_t *c, struct pollfd *pfd, int64_t now);
/* When a pause in accepting ends, or 0: the poll() timeout must allow
 * for it.  Call after control_pollfds. */
int64_t control_next_due(const control_t *c);
/* Acts on what poll() reported for those n entries. */
void control_handle(control_t *c, const struct pollfd *pfd, size_t n, sim_t *s, int64_t now);

#endif
